package io.porthole.app.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per log line, flat, with the names log pipelines expect: {@code time} (ISO-8601,
 * UTC), {@code level}, {@code logger}, {@code thread}, {@code message}, then the context's
 * properties ({@code service}, {@code host_id}), the MDC and the event's key-value pairs (context
 * such as {@code container_id} or {@code command_id}), and {@code exception} (the stack trace) when
 * there is one. A key-value pair never replaces one of the fixed fields.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final byte[] NONE = new byte[0];

  @Override
  public byte[] headerBytes() {
    return NONE;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    JsonObject line =
        new JsonObject()
            .put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString())
            .put("level", event.getLevel().toString())
            .put("logger", event.getLoggerName())
            .put("thread", event.getThreadName())
            .put("message", event.getFormattedMessage());
    if (getContext() != null) {
      getContext().getCopyOfPropertyMap().forEach((k, v) -> putIfAbsent(line, k, v));
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      mdc.forEach((k, v) -> putIfAbsent(line, k, v));
    }
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair pair : event.getKeyValuePairs()) {
        putIfAbsent(line, pair.key, pair.value == null ? null : String.valueOf(pair.value));
      }
    }
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.put("exception", ThrowableProxyUtil.asString(thrown));
    }
    return (line.encode() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void putIfAbsent(JsonObject line, String key, String value) {
    if (key != null && value != null && !line.containsKey(key)) {
      line.put(key, value);
    }
  }

  @Override
  public byte[] footerBytes() {
    return NONE;
  }
}
