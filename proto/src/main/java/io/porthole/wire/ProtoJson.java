package io.porthole.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * The protobuf JSON mapping (lowerCamelCase field names, enums by name, timestamps in RFC 3339) for
 * humans and HTTP: one object per message.
 */
public final class ProtoJson {

  private static final JsonFormat.Printer COMPACT =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Printer PRETTY = JsonFormat.printer();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private ProtoJson() {}

  /** One line of JSON. */
  public static String toJson(Message message) {
    try {
      return COMPACT.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only raised for Any fields with unknown types, which the contract does not use.
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getName(), e);
    }
  }

  /** Indented JSON, for documentation and terminals. */
  public static String toPrettyJson(Message message) {
    try {
      return PRETTY.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getName(), e);
    }
  }

  /**
   * Reads JSON into the builder's message type.
   *
   * @throws IllegalArgumentException naming the message type and what was wrong
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T fromJson(String json, Message.Builder builder) {
    try {
      PARSER.merge(json, builder);
      return (T) builder.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not a valid " + builder.getDescriptorForType().getName() + " in JSON: " + e.getMessage(),
          e);
    }
  }
}
