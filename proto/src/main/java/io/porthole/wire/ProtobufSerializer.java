package io.porthole.wire;

import com.google.protobuf.MessageLite;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes any protobuf message as its binary encoding; {@code null} stays {@code null} (a
 * tombstone).
 */
public final class ProtobufSerializer<T extends MessageLite> implements Serializer<T> {

  @Override
  public byte[] serialize(String topic, T message) {
    return message == null ? null : message.toByteArray();
  }
}
