package io.porthole.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads one protobuf message type from bytes. Bytes that are not a valid message raise an {@link
 * UndecodableRecordException} naming the topic, so that a consumer can dead-letter the record.
 */
public final class ProtobufDeserializer<T extends MessageLite> implements Deserializer<T> {

  private final Parser<T> parser;
  private final String messageType;

  public ProtobufDeserializer(Parser<T> parser, String messageType) {
    this.parser = Objects.requireNonNull(parser, "parser");
    this.messageType = Objects.requireNonNull(messageType, "messageType");
  }

  public static ProtobufDeserializer<EventEnvelope> events() {
    return new ProtobufDeserializer<>(EventEnvelope.parser(), "EventEnvelope");
  }

  public static ProtobufDeserializer<CollectorHeartbeat> heartbeats() {
    return new ProtobufDeserializer<>(CollectorHeartbeat.parser(), "CollectorHeartbeat");
  }

  public static ProtobufDeserializer<Alert> alerts() {
    return new ProtobufDeserializer<>(Alert.parser(), "Alert");
  }

  public static ProtobufDeserializer<RemediationCommand> commands() {
    return new ProtobufDeserializer<>(RemediationCommand.parser(), "RemediationCommand");
  }

  public static ProtobufDeserializer<ImageSummary> imageSummaries() {
    return new ProtobufDeserializer<>(ImageSummary.parser(), "ImageSummary");
  }

  public static ProtobufDeserializer<RemediationResult> results() {
    return new ProtobufDeserializer<>(RemediationResult.parser(), "RemediationResult");
  }

  /**
   * Reads the message from the buffer's remaining bytes in place (a heap buffer's array is not
   * copied), without moving its position.
   */
  @Override
  public T deserialize(String topic, Headers headers, ByteBuffer data) {
    if (data == null) {
      return null;
    }
    try {
      return parser.parseFrom(data.duplicate());
    } catch (InvalidProtocolBufferException e) {
      throw new UndecodableRecordException(topic, messageType, data.remaining(), e);
    }
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return parser.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new UndecodableRecordException(topic, messageType, data.length, e);
    }
  }
}
