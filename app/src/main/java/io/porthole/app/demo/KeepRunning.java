package io.porthole.app.demo;

import io.porthole.app.CliFailure;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code porthole demo --keep-running[=DURATION]} asks for: after the scenarios passed, keep
 * the suite, the console and the demo's containers until Ctrl-C, or for a while. The shutdown hook
 * of Ctrl-C cleans up as at the end of any demo.
 *
 * @param duration how long; empty: until Ctrl-C
 */
record KeepRunning(Optional<Duration> duration) {

  static final String UNTIL_INTERRUPTED = "until-ctrl-c";
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h)?");

  /**
   * The option's value: absent (null) is not to keep running; {@value #UNTIL_INTERRUPTED} (the
   * option without a value) is until Ctrl-C; otherwise a duration ({@code 90s}, {@code 10m}, {@code
   * 1h}; a bare number is seconds).
   *
   * @throws CliFailure a usage error naming the option when the value is not a duration
   */
  static Optional<KeepRunning> parse(String option) {
    if (option == null) {
      return Optional.empty();
    }
    if (option.equals(UNTIL_INTERRUPTED)) {
      return Optional.of(new KeepRunning(Optional.empty()));
    }
    Matcher matcher = DURATION.matcher(option.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches() || Long.parseLong(matcher.group(1)) == 0) {
      throw CliFailure.usage(
          "--keep-running: expected nothing (until Ctrl-C) or a positive duration such as 90s,"
              + " 10m or 1h but was '"
              + option
              + "'");
    }
    long amount = Long.parseLong(matcher.group(1));
    String unit = matcher.group(2) == null ? "s" : matcher.group(2);
    Duration duration =
        switch (unit) {
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofSeconds(amount);
        };
    return Optional.of(new KeepRunning(Optional.of(duration)));
  }

  /** How long the console stays, in words: "until Ctrl-C" or "for 10m (or until Ctrl-C)". */
  String describe() {
    return duration.map(d -> "for " + words(d) + " (or until Ctrl-C)").orElse("until Ctrl-C");
  }

  /** Blocks for the duration, or until the process is stopped. */
  void await() throws InterruptedException {
    if (duration.isPresent()) {
      Thread.sleep(duration.get().toMillis());
    } else {
      new CountDownLatch(1).await();
    }
  }

  private static String words(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
  }
}
