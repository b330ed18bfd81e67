package io.porthole.analyzer.rules;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A shell-style pattern over a whole string: {@code *} matches any run of characters, {@code /}
 * included (so {@code *:dev} matches {@code registry.local/team/app:dev}), {@code ?} matches one
 * character, everything else matches itself.
 */
public final class Glob {

  private final String text;
  private final Pattern pattern;

  private Glob(String text, Pattern pattern) {
    this.text = text;
    this.pattern = pattern;
  }

  /**
   * @throws IllegalArgumentException when the pattern is empty or contains white space (no image
   *     reference, container name or label has any)
   */
  public static Glob of(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("an empty pattern");
    }
    StringBuilder regex = new StringBuilder(text.length() + 8);
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            "'" + text + "' contains white space or a control character");
      }
      if (c == '*' || c == '?') {
        flush(regex, literal);
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    flush(regex, literal);
    return new Glob(text, Pattern.compile(regex.toString(), Pattern.DOTALL));
  }

  private static void flush(StringBuilder regex, StringBuilder literal) {
    if (literal.length() > 0) {
      regex.append(Pattern.quote(literal.toString()));
      literal.setLength(0);
    }
  }

  public boolean matches(String value) {
    return value != null && pattern.matcher(value).matches();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Glob glob && glob.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
