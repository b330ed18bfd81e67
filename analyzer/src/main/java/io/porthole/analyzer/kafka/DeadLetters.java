package io.porthole.analyzer.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headers a dead-lettered record carries: where it came from and why it was not processed. */
public final class DeadLetters {

  public static final String SOURCE_TOPIC = "porthole.source.topic";
  public static final String SOURCE_PARTITION = "porthole.source.partition";
  public static final String SOURCE_OFFSET = "porthole.source.offset";
  public static final String ERROR = "porthole.error";
  public static final String CONSUMER = "porthole.consumer";

  private DeadLetters() {}

  public static Map<String, byte[]> headers(String topic, int partition, long offset, String error, String consumer) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put(SOURCE_TOPIC, utf8(topic));
    headers.put(SOURCE_PARTITION, utf8(String.valueOf(partition)));
    headers.put(SOURCE_OFFSET, utf8(String.valueOf(offset)));
    headers.put(ERROR, utf8(error == null ? "unknown error" : error));
    headers.put(CONSUMER, utf8(consumer));
    return headers;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
