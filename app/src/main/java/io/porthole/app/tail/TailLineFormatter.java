package io.porthole.app.tail;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Topic;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One JSON line per record: {@code key}, {@code partition}, {@code offset}, then the fields of the
 * topic's message in the protobuf JSON mapping. Dead letters (and values that do not decode) carry
 * their bytes as {@code valueBase64}, with their headers.
 */
public final class TailLineFormatter {

  private final Topic topic;

  public TailLineFormatter(Topic topic) {
    this.topic = Objects.requireNonNull(topic, "topic");
  }

  public String format(
      String key, int partition, long offset, byte[] value, Map<String, byte[]> headers) {
    JsonObject line =
        new JsonObject().put("key", key).put("partition", partition).put("offset", offset);
    if (value == null) {
      return line.put("tombstone", true).encode();
    }
    Optional<Parser<? extends Message>> parser = topic.parser();
    if (parser.isEmpty()) {
      return withRawValue(line, value, headers).encode();
    }
    try {
      Message message = parser.get().parseFrom(value);
      new JsonObject(ProtoJson.toJson(message))
          .forEach(field -> line.put(field.getKey(), field.getValue()));
      return line.encode();
    } catch (InvalidProtocolBufferException e) {
      line.put("error", "not a valid " + topic.topicName() + " value: " + e.getMessage());
      return withRawValue(line, value, headers).encode();
    }
  }

  private static JsonObject withRawValue(
      JsonObject line, byte[] value, Map<String, byte[]> headers) {
    line.put("valueBase64", Base64.getEncoder().encodeToString(value));
    if (!headers.isEmpty()) {
      JsonObject headerJson = new JsonObject();
      headers.forEach(
          (name, bytes) ->
              headerJson.put(
                  name, bytes == null ? null : new String(bytes, StandardCharsets.UTF_8)));
      line.put("headers", headerJson);
    }
    return line;
  }
}
