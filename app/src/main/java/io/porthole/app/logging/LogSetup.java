package io.porthole.app.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.logstash.logback.composite.ContextJsonProvider;
import net.logstash.logback.composite.JsonProvider;
import net.logstash.logback.composite.JsonProviders;
import net.logstash.logback.composite.loggingevent.KeyValuePairsJsonProvider;
import net.logstash.logback.composite.loggingevent.LogLevelJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggerNameJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.MdcJsonProvider;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.composite.loggingevent.StackTraceJsonProvider;
import net.logstash.logback.composite.loggingevent.ThreadNameJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;
import org.slf4j.LoggerFactory;

/**
 * Installs Porthole's logging on logback: one appender on stderr, Porthole's own messages at INFO,
 * every library at WARN (the embedded broker and the Kafka clients are chatty), as text or as JSON
 * lines. The JSON form is logstash-logback-encoder's composite encoder ({@link #jsonEncoder}): one
 * flat object per line with {@code time}, {@code level}, {@code logger}, {@code thread}, {@code
 * message}, {@code service}, {@code host_id}, context such as {@code container_id} or {@code
 * command_id}, and {@code exception}.
 */
public final class LogSetup {

  static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
  static final Map<String, Level> LEVELS =
      Map.of(
          Logger.ROOT_LOGGER_NAME,
          Level.WARN,
          "io.porthole",
          Level.INFO,
          // A refused login is reported by porthole itself, once, without a stack trace (at start:
          // KafkaReachability; later: each consumer's and producer's error handler).
          "org.apache.kafka.clients.NetworkClient",
          Level.OFF,
          "org.apache.kafka.clients.admin.internals.AdminMetadataManager",
          Level.ERROR,
          "org.apache.kafka.controller.QuorumController",
          Level.ERROR);

  /** The fields every JSON line has (when the event has them); context never replaces them. */
  static final List<String> FIXED_FIELDS =
      List.of("time", "level", "logger", "thread", "message", "exception", "service", "host_id");

  private LogSetup() {}

  /**
   * Replaces the logging configuration: the format, and the properties every JSON line carries as
   * top-level fields (e.g. {@code service}, {@code host_id}; null values are left out).
   */
  public static void apply(LogFormat format, Map<String, String> properties) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      install(context, format, properties);
    }
  }

  static void install(LoggerContext context, LogFormat format, Map<String, String> properties) {
    Objects.requireNonNull(format, "format");
    context.reset();
    properties.forEach(
        (key, value) -> {
          if (value != null) {
            context.putProperty(key, value);
          }
        });
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder(context, format));
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
    if (format == LogFormat.JSON) {
      return jsonEncoder(context);
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }

  /**
   * One JSON object per line, flat, with the names log pipelines expect: {@code time} (ISO-8601,
   * UTC), {@code level}, {@code logger}, {@code thread}, {@code message}, then the context's
   * properties ({@code service}, {@code host_id}), the MDC and the event's key-value pairs (context
   * such as {@code container_id} or {@code command_id}), and {@code exception} (the stack trace)
   * when there is one. An MDC entry or key-value pair named like a fixed field is left out rather
   * than written twice.
   */
  static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    LoggingEventFormattedTimestampJsonProvider time =
        new LoggingEventFormattedTimestampJsonProvider();
    time.setFieldName("time");
    time.setPattern("[ISO_INSTANT]");
    time.setTimeZone("UTC");
    LogLevelJsonProvider level = new LogLevelJsonProvider();
    level.setFieldName("level");
    LoggerNameJsonProvider logger = new LoggerNameJsonProvider();
    logger.setFieldName("logger");
    ThreadNameJsonProvider thread = new ThreadNameJsonProvider();
    thread.setFieldName("thread");
    MessageJsonProvider message = new MessageJsonProvider();
    message.setFieldName("message");
    MdcJsonProvider mdc = new MdcJsonProvider();
    mdc.setExcludeMdcKeyNames(FIXED_FIELDS);
    KeyValuePairsJsonProvider keyValues = new KeyValuePairsJsonProvider();
    keyValues.setExcludeKeyNames(FIXED_FIELDS);
    StackTraceJsonProvider exception = new StackTraceJsonProvider();
    exception.setFieldName("exception");

    LoggingEventCompositeJsonEncoder json = new LoggingEventCompositeJsonEncoder();
    json.setContext(context);
    JsonProviders<ILoggingEvent> providers = json.getProviders();
    List.<JsonProvider<ILoggingEvent>>of(
            time,
            level,
            logger,
            thread,
            message,
            new ContextJsonProvider<>(),
            mdc,
            keyValues,
            exception)
        .forEach(providers::addProvider);
    json.start();
    return json;
  }
}
