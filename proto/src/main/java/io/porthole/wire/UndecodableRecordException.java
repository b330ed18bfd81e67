package io.porthole.wire;

import org.apache.kafka.common.errors.SerializationException;

/** The bytes of a record on {@link #topic()} are not a valid message of that topic. */
public class UndecodableRecordException extends SerializationException {

  private final String topic;

  public UndecodableRecordException(String topic, String messageType, int length, Throwable cause) {
    super(
        "undecodable record on topic "
            + topic
            + ": "
            + length
            + " bytes are not a valid "
            + messageType
            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"),
        cause);
    this.topic = topic;
  }

  public String topic() {
    return topic;
  }
}
