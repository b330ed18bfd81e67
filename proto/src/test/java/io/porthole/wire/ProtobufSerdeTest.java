package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class ProtobufSerdeTest {

  private final ProtobufSerializer<Message> serializer = new ProtobufSerializer<>();

  @Test
  void everyMessageTypeRoundTripsThroughTheSerdeOfItsTopic() {
    for (Map.Entry<Topic, Message> sample : SampleMessages.all()) {
      Topic topic = sample.getKey();
      byte[] bytes = serializer.serialize(topic.topicName(), sample.getValue());
      Message back = deserializerFor(topic).deserialize(topic.topicName(), bytes);
      assertThat(back).as(topic.topicName()).isEqualTo(sample.getValue());
    }
  }

  @Test
  void nullStaysNull() {
    assertThat(serializer.serialize("t", null)).isNull();
    assertThat(ProtobufDeserializer.alerts().deserialize("t", null)).isNull();
  }

  @Test
  void undecodableBytesNameTheTopicAndType() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};
    assertThatThrownBy(
            () -> ProtobufDeserializer.events().deserialize("porthole.syscalls.v1", garbage))
        .isInstanceOf(UndecodableRecordException.class)
        .hasMessageContaining("porthole.syscalls.v1")
        .hasMessageContaining("EventEnvelope")
        .hasMessageContaining("5 bytes")
        .satisfies(
            e ->
                assertThat(((UndecodableRecordException) e).topic())
                    .isEqualTo("porthole.syscalls.v1"));
  }

  @Test
  void jsonMappingUsesLowerCamelCaseAndRoundTrips() {
    Alert alert = SampleMessages.alert();
    String json = ProtoJson.toJson(alert);
    assertThat(json).contains("\"alertId\":\"OOM_KILLED-abc\"").contains("\"rule\":\"OOM_KILLED\"");
    assertThat(json).doesNotContain("\n");
    Alert back = ProtoJson.fromJson(json, Alert.newBuilder());
    assertThat(back).isEqualTo(alert);

    EventEnvelope event = SampleMessages.syscalls();
    assertThat(ProtoJson.toJson(event))
        .contains("\"errnoName\":\"ENOENT\"")
        .contains("\"time\":\"2026-11-29T07:20:36.374552Z\"");
  }

  @Test
  void badJsonNamesTheMessageType() {
    assertThatThrownBy(() -> ProtoJson.fromJson("{\"rule\": 12.5", Alert.newBuilder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Alert");
  }

  @SuppressWarnings("unchecked")
  private static Deserializer<Message> deserializerFor(Topic topic) {
    Deserializer<?> deserializer =
        switch (topic) {
          case CONTAINER_EVENTS, FLOWS, SYSCALLS -> ProtobufDeserializer.events();
          case HEARTBEATS -> ProtobufDeserializer.heartbeats();
          case ALERTS -> ProtobufDeserializer.alerts();
          case COMMANDS -> ProtobufDeserializer.commands();
          case COMMAND_RESULTS -> ProtobufDeserializer.results();
          case IMAGE_SUMMARIES -> ProtobufDeserializer.imageSummaries();
          case DEAD_LETTERS -> throw new IllegalArgumentException("raw bytes");
        };
    return (Deserializer<Message>) deserializer;
  }
}
