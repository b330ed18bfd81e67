package io.porthole.runtime.kafka;

import com.google.protobuf.MessageLite;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a record that could not be handled to the dead-letter topic: its key and value bytes as
 * read, and the one set of headers every Porthole consumer uses, naming where it came from and why.
 * Dead letters are control records: the future completes once the broker acknowledged the letter
 * (so the source offset may be committed), or fails after the control path's deadline.
 */
public final class DeadLetterWriter {

  public static final String SOURCE_TOPIC = "porthole.source.topic";
  public static final String SOURCE_PARTITION = "porthole.source.partition";
  public static final String SOURCE_OFFSET = "porthole.source.offset";
  public static final String ERROR = "porthole.error";
  public static final String CONSUMER = "porthole.consumer";

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterWriter.class);

  private final RecordPublisher publisher;
  private final String consumer;

  /**
   * @param consumer who gives up on the record (a client id), written to {@link #CONSUMER}
   */
  public DeadLetterWriter(RecordPublisher publisher, String consumer) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
  }

  /**
   * Sends {@code record} (key and value as read) to the dead-letter topic, saying {@code error}.
   */
  public Future<Void> write(ConsumerRecord<?, ?> record, String error) {
    LOG.warn(
        "{}: dead-lettering {}-{}@{}: {}",
        consumer,
        record.topic(),
        record.partition(),
        record.offset(),
        error);
    return publisher.sendRaw(
        Topic.DEAD_LETTERS,
        keyText(record.key()),
        bytes(record.value()),
        headers(record.topic(), record.partition(), record.offset(), error, consumer));
  }

  /** The headers of a dead letter, in this order. */
  public static Map<String, byte[]> headers(
      String topic, int partition, long offset, String error, String consumer) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put(SOURCE_TOPIC, utf8(topic));
    headers.put(SOURCE_PARTITION, utf8(String.valueOf(partition)));
    headers.put(SOURCE_OFFSET, utf8(String.valueOf(offset)));
    headers.put(ERROR, utf8(error == null || error.isBlank() ? "unknown error" : error));
    headers.put(CONSUMER, utf8(consumer));
    return headers;
  }

  /**
   * A header of a dead letter as text, or null when absent (for readers of the dead-letter topic).
   */
  public static String header(ConsumerRecord<?, ?> letter, String name) {
    Header header = letter.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String keyText(Object key) {
    if (key == null) {
      return null;
    }
    if (key instanceof ByteBuffer buffer) {
      return new String(Utils.toArray(buffer), StandardCharsets.UTF_8);
    }
    return key instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : key.toString();
  }

  private static byte[] bytes(Object value) {
    if (value == null) {
      return new byte[0];
    }
    if (value instanceof byte[] bytes) {
      return bytes;
    }
    if (value instanceof ByteBuffer buffer) {
      return Utils.toArray(buffer);
    }
    if (value instanceof MessageLite message) {
      return message.toByteArray();
    }
    return utf8(value.toString());
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
