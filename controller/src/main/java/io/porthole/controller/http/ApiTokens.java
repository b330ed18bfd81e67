package io.porthole.controller.http;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bearer tokens of the API, each with a name (recorded as {@code requested_by} on every command
 * it issues) and a role. {@code viewer.tokens} / {@code operator.tokens} are {@code name:token}
 * lists; the single {@code viewer.token} / {@code operator.token} still work and are named {@code
 * viewer} / {@code operator}. At least one token of each role is needed; names and tokens are
 * unique.
 */
public final class ApiTokens {

  public static final String VIEWER_TOKEN = "viewer.token";
  public static final String OPERATOR_TOKEN = "operator.token";
  public static final String VIEWER_TOKENS = "viewer.tokens";
  public static final String OPERATOR_TOKENS = "operator.tokens";

  /** Shortest token accepted. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** One token; its secret never appears in {@link #toString()}. */
  public record Token(String name, Role role, String secret) {
    @Override
    public String toString() {
      return name + "(" + role.label() + ")";
    }
  }

  private final List<Token> tokens;

  public ApiTokens(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  public static ApiTokens from(Settings settings) {
    List<Token> tokens = new ArrayList<>();
    addRole(settings, Role.VIEWER, VIEWER_TOKEN, VIEWER_TOKENS, tokens);
    addRole(settings, Role.OPERATOR, OPERATOR_TOKEN, OPERATOR_TOKENS, tokens);
    Set<String> names = new HashSet<>();
    Set<String> secrets = new HashSet<>();
    for (Token token : tokens) {
      String key = token.role() == Role.VIEWER ? VIEWER_TOKENS : OPERATOR_TOKENS;
      if (!names.add(token.name())) {
        throw new ConfigException(
            settings.describe(key), "the token name '" + token.name() + "' is used twice");
      }
      if (!secrets.add(token.secret())) {
        throw new ConfigException(
            settings.describe(key),
            "the token named '"
                + token.name()
                + "' is also configured under another name or role"
                + " (a viewer could remediate)");
      }
    }
    return new ApiTokens(tokens);
  }

  public List<Token> all() {
    return tokens;
  }

  @Override
  public String toString() {
    return tokens.toString();
  }

  private static void addRole(
      Settings settings, Role role, String singleKey, String listKey, List<Token> into) {
    int before = into.size();
    Optional<String> single = settings.optional(singleKey);
    if (single.isPresent()) {
      into.add(new Token(role.label(), role, secret(settings, singleKey, single.get())));
    }
    for (String entry : settings.list(listKey, List.of())) {
      int colon = entry.indexOf(':');
      if (colon < 0) {
        throw new ConfigException(
            settings.describe(listKey),
            "expected name:token entries separated by commas," + " but an entry has no ':'");
      }
      String name = entry.substring(0, colon).strip();
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException(
            settings.describe(listKey),
            "token name '" + name + "' must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
      }
      into.add(
          new Token(name, role, secret(settings, listKey, entry.substring(colon + 1).strip())));
    }
    if (into.size() == before) {
      throw new ConfigException(
          settings.describe(singleKey),
          "required but not set (or " + settings.describe(listKey) + " as name:token,name:token)");
    }
  }

  private static String secret(Settings settings, String key, String token) {
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new ConfigException(
          settings.describe(key),
          "expected tokens of at least " + MIN_TOKEN_LENGTH + " characters (a secret)");
    }
    return token;
  }
}
