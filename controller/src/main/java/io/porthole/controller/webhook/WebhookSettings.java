package io.porthole.controller.webhook;

import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One webhook output of alerts: where to send them, in which format, which ones, and how hard to
 * try. Settings {@code alerts.webhook.OPTION} configure the output named {@code default}; {@code
 * alerts.webhook.NAME.OPTION} configure more outputs, each needing its own {@code url}.
 *
 * @param name names the output in logs, metrics and its consumer group
 * @param headers extra request headers ({@code token} becomes {@code Authorization: Bearer ...})
 * @param minSeverity alerts below it are not sent
 * @param rules the rules whose alerts are sent; empty sends every rule's
 * @param attempts requests per alert before giving up (the first included)
 * @param backoff the wait before the second attempt, doubled for each further one
 * @param backoffMax the longest wait between attempts
 * @param timeout of one request
 * @param queueMax alerts waiting for delivery; beyond it the oldest waiting one is dropped
 */
public record WebhookSettings(
    String name,
    URI url,
    Format format,
    Map<String, String> headers,
    Severity minSeverity,
    Set<Rule> rules,
    int attempts,
    Duration backoff,
    Duration backoffMax,
    Duration timeout,
    int queueMax) {

  /** The body of a request. */
  public enum Format {
    /** CloudEvents 1.0, structured mode: the alert is {@code data}. */
    CLOUDEVENTS,
    /** The JSON Falco writes, as falcosidekick accepts it on {@code POST /}. */
    FALCO
  }

  public static final String PREFIX = "alerts.webhook.";
  public static final String DEFAULT_NAME = "default";

  static final String URL = "url";
  static final String FORMAT = "format";
  static final String TOKEN = "token";
  static final String HEADER = "header";
  static final String MIN_SEVERITY = "min.severity";
  static final String RULES = "rules";
  static final String ATTEMPTS = "attempts";
  static final String BACKOFF = "backoff";
  static final String BACKOFF_MAX = "backoff.max";
  static final String TIMEOUT = "timeout";
  static final String QUEUE_MAX = "queue.max";
  static final Set<String> OPTIONS =
      Set.of(
          URL,
          FORMAT,
          TOKEN,
          HEADER,
          MIN_SEVERITY,
          RULES,
          ATTEMPTS,
          BACKOFF,
          BACKOFF_MAX,
          TIMEOUT,
          QUEUE_MAX);

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  public WebhookSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(format, "format");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(minSeverity, "minSeverity");
    rules = rules.isEmpty() ? Set.of() : Set.copyOf(rules);
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(backoffMax, "backoffMax");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** Whether an alert of this rule and severity goes to this output. */
  public boolean accepts(Rule rule, Severity severity) {
    return severity.getNumber() >= minSeverity.getNumber()
        && (rules.isEmpty() || rules.contains(rule));
  }

  /** The wait before attempt {@code attempt} (2 for the first retry): doubling, capped. */
  public Duration backoffBefore(int attempt) {
    int doublings = Math.min(Math.max(attempt - 2, 0), 30);
    Duration wait = backoff.multipliedBy(1L << doublings);
    return wait.compareTo(backoffMax) > 0 ? backoffMax : wait;
  }

  /**
   * Every output configured under {@code alerts.webhook.}; none when nothing is set.
   *
   * @throws ConfigException naming the key of an unknown option, a bad value, or a missing url
   */
  public static List<WebhookSettings> from(Settings settings) {
    Map<String, String> prefixes = new TreeMap<>();
    Map<String, String> examples = new TreeMap<>();
    for (String rest : settings.withPrefix(PREFIX).keySet()) {
      if (OPTIONS.contains(rest)) {
        prefixes.put(DEFAULT_NAME, PREFIX);
        examples.putIfAbsent(DEFAULT_NAME, PREFIX + rest);
        continue;
      }
      int dot = rest.indexOf('.');
      String name = dot < 0 ? rest : rest.substring(0, dot);
      String option = dot < 0 ? "" : rest.substring(dot + 1);
      if (!OPTIONS.contains(option)) {
        throw new ConfigException(
            settings.describe(PREFIX + rest),
            "unknown webhook setting: expected "
                + PREFIX
                + "OPTION or "
                + PREFIX
                + "NAME.OPTION with"
                + " OPTION one of "
                + OPTIONS.stream().sorted().toList());
      }
      if (!NAME.matcher(name).matches() || name.equals(DEFAULT_NAME)) {
        throw new ConfigException(
            settings.describe(PREFIX + rest),
            "a webhook output name is 1 to 40 lower-case letters, digits and '-', not 'default',"
                + " but was '"
                + name
                + "'");
      }
      prefixes.put(name, PREFIX + name + ".");
      examples.putIfAbsent(name, PREFIX + rest);
    }
    List<WebhookSettings> outputs = new ArrayList<>();
    prefixes.forEach(
        (name, prefix) -> outputs.add(one(settings, name, prefix, examples.get(name))));
    return List.copyOf(outputs);
  }

  private static WebhookSettings one(
      Settings settings, String name, String prefix, String example) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    header(settings, prefix + HEADER).ifPresent(h -> headers.put(h[0], h[1]));
    settings
        .optional(prefix + TOKEN)
        .ifPresent(
            token -> {
              if (headers.containsKey("Authorization")) {
                throw new ConfigException(
                    settings.describe(prefix + TOKEN),
                    "cannot be set together with an Authorization header in "
                        + settings.describe(prefix + HEADER));
              }
              headers.put("Authorization", "Bearer " + token);
            });
    Duration backoff =
        settings.duration(
            prefix + BACKOFF, Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10));
    Duration backoffMax =
        settings.duration(
            prefix + BACKOFF_MAX,
            Duration.ofSeconds(30),
            Duration.ofMillis(10),
            Duration.ofHours(1));
    if (backoffMax.compareTo(backoff) < 0) {
      throw new ConfigException(
          settings.describe(prefix + BACKOFF_MAX),
          "must not be shorter than " + settings.describe(prefix + BACKOFF));
    }
    return new WebhookSettings(
        name,
        url(settings, prefix + URL, example),
        settings.enumValue(prefix + FORMAT, Format.class, Format.CLOUDEVENTS),
        headers,
        severity(settings, prefix + MIN_SEVERITY),
        rules(settings, prefix + RULES),
        settings.integer(prefix + ATTEMPTS, 5, 1, 100),
        backoff,
        backoffMax,
        settings.duration(
            prefix + TIMEOUT,
            Duration.ofSeconds(10),
            Duration.ofMillis(100),
            Duration.ofMinutes(5)),
        settings.integer(prefix + QUEUE_MAX, 1_000, 1, 1_000_000));
  }

  /** {@code example}: a key of the same output that is set, to name the missing url alike. */
  private static URI url(Settings settings, String key, String example) {
    String missing =
        settings.describe(example).startsWith(Settings.ENV_PREFIX) ? settings.describe(key) : key;
    String text =
        settings
            .optional(key)
            .orElseThrow(
                () ->
                    new ConfigException(
                        missing,
                        "required for this webhook output (an http:// or https:// URL) "
                            + "but not set"));
    try {
      URI url = new URI(text);
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && url.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new ConfigException(
        settings.describe(key),
        "expected an http:// or https:// URL with a host but was '" + text + "'");
  }

  private static Optional<String[]> header(Settings settings, String key) {
    return settings
        .optional(key)
        .map(
            text -> {
              int colon = text.indexOf(':');
              String name = colon < 0 ? "" : text.substring(0, colon).trim();
              String value = colon < 0 ? "" : text.substring(colon + 1).trim();
              if (!HEADER_NAME.matcher(name).matches()
                  || value.isEmpty()
                  || value.chars().anyMatch(c -> c < 0x20)) {
                throw new ConfigException(
                    settings.describe(key), "expected 'Name: value' (e.g. 'X-Api-Key: s3cret')");
              }
              return new String[] {name, value};
            });
  }

  private static Severity severity(Settings settings, String key) {
    Optional<String> text = settings.optional(key);
    if (text.isEmpty()) {
      return Severity.INFO;
    }
    for (Severity severity : Severity.values()) {
      if (severity != Severity.UNRECOGNIZED
          && severity != Severity.SEVERITY_UNSPECIFIED
          && severity.name().equalsIgnoreCase(text.get())) {
        return severity;
      }
    }
    throw new ConfigException(
        settings.describe(key),
        "expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL but was '" + text.get() + "'");
  }

  private static Set<Rule> rules(Settings settings, String key) {
    Set<Rule> rules = EnumSet.noneOf(Rule.class);
    for (String name : settings.list(key, List.of())) {
      Rule rule = null;
      for (Rule candidate : Rule.values()) {
        if (candidate != Rule.UNRECOGNIZED
            && candidate != Rule.RULE_UNSPECIFIED
            && candidate.name().equalsIgnoreCase(name)) {
          rule = candidate;
        }
      }
      if (rule == null) {
        throw new ConfigException(
            settings.describe(key), "unknown rule '" + name + "' (known: " + knownRules() + ")");
      }
      rules.add(rule);
    }
    return rules;
  }

  private static List<String> knownRules() {
    List<String> names = new ArrayList<>();
    for (Rule rule : Rule.values()) {
      if (rule != Rule.UNRECOGNIZED && rule != Rule.RULE_UNSPECIFIED) {
        names.add(rule.name());
      }
    }
    return names;
  }

  /** The token and header values stay out of logs. */
  @Override
  public String toString() {
    return "webhook "
        + name
        + " -> "
        + url.getScheme()
        + "://"
        + url.getHost()
        + (url.getPort() < 0 ? "" : ":" + url.getPort())
        + url.getPath()
        + " ("
        + format.name().toLowerCase(Locale.ROOT)
        + ", headers "
        + headers.keySet()
        + ", min "
        + minSeverity
        + (rules.isEmpty() ? "" : ", rules " + rules)
        + ", "
        + attempts
        + " attempts, queue "
        + queueMax
        + ")";
  }
}
