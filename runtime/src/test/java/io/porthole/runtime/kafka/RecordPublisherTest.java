package io.porthole.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RecordPublisherTest {

  private static CollectorHeartbeat beat(int i) {
    return CollectorHeartbeat.newBuilder().setHostId("h" + i).build();
  }

  @Test
  void sendsToTheDeploymentsTopicNameAndCountsAcknowledgements(Vertx vertx, VertxTestContext ctx) {
    MockProducer<String, byte[]> mock =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer());
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, mock), TopicNames.withPrefix("t1."), 10);
    publisher
        .send(Topic.HEARTBEATS, "h1", beat(1))
        .onComplete(
            ctx.succeeding(
                v ->
                    ctx.verify(
                        () -> {
                          assertThat(mock.history()).hasSize(1);
                          assertThat(mock.history().get(0).topic()).isEqualTo("t1.porthole.heartbeats.v1");
                          assertThat(mock.history().get(0).key()).isEqualTo("h1");
                          assertThat(CollectorHeartbeat.parseFrom(mock.history().get(0).value())).isEqualTo(beat(1));
                          assertThat(publisher.published()).isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void whenTheBrokerDoesNotAnswerTheBufferIsBoundedAndDropsAreCounted(Vertx vertx, VertxTestContext ctx) {
    // autoComplete=false: nothing is ever acknowledged, as with an unreachable broker.
    MockProducer<String, byte[]> mock =
        new MockProducer<>(false, new StringSerializer(), new ByteArraySerializer());
    KafkaProducer<String, byte[]> producer = KafkaProducer.create(vertx, mock);
    producer.setWriteQueueMaxSize(1); // full after the first record in flight
    RecordPublisher publisher = new RecordPublisher(vertx, producer, TopicNames.standard(), 5);
    List<Future<Void>> sends = new ArrayList<>();
    vertx.runOnContext(
        v -> {
          for (int i = 0; i < 20; i++) {
            sends.add(publisher.send(Topic.HEARTBEATS, "h", beat(i)));
          }
          vertx.setTimer(
              300,
              t ->
                  ctx.verify(
                      () -> {
                        long failedFast = sends.stream().filter(Future::failed).count();
                        // at most one in flight plus five buffered; every other record was refused and counted
                        assertThat(publisher.dropped()).isEqualTo(failedFast).isGreaterThanOrEqualTo(14);
                        assertThat(sends.stream().filter(Future::failed).findFirst().orElseThrow().cause())
                            .hasMessageContaining("publish buffer full");
                        assertThat(mock.history().size()).isLessThanOrEqualTo(6);
                        ctx.completeNow();
                      }));
        });
  }
}
