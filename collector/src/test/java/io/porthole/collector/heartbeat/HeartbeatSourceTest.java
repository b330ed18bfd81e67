package io.porthole.collector.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.DockerClients;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class HeartbeatSourceTest {

  @Test
  void beatsEveryIntervalWithCountersContainersAndDegradedSourcesEvenWhenTheEngineDoesNotAnswer(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    MockProducer<String, byte[]> mock =
        new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer());
    RecordPublisher publisher =
        new RecordPublisher(
            vertx, KafkaProducer.create(vertx, mock), TopicNames.withPrefix("hb."), 100);
    CollectorStats stats = new CollectorStats();
    stats.dockerEventsSeen.set(7);
    stats.flowRecordsDroppedBackpressure.set(3);
    stats.markDegraded("packets", "no permission to capture on docker0");
    ContainerDirectory directory = new ContainerDirectory();
    directory.running(
        new ContainerInfo("c1", "web", "img", 42, Map.of(), List.of("172.17.0.2"), "bridge"));
    // no such socket: the engine "does not answer"
    DockerClient unreachable =
        DockerClients.create(
            "unix:///nonexistent/porthole-test/docker.sock", Duration.ofSeconds(2));
    String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    HeartbeatSource heartbeat =
        new HeartbeatSource(
            vertx, publisher, unreachable, "host-9", Duration.ofMillis(200), directory, stats);

    heartbeat
        .start()
        .onComplete(
            ctx.succeeding(
                v ->
                    vertx.setPeriodic(
                        50,
                        id -> {
                          if (mock.history().size() >= 3) {
                            vertx.cancelTimer(id);
                            heartbeat.stop();
                            ctx.verify(
                                () -> {
                                  assertThat(mock.history())
                                      .allSatisfy(
                                          r -> {
                                            assertThat(r.topic())
                                                .isEqualTo("hb.porthole.heartbeats.v1");
                                            assertThat(r.key()).isEqualTo("host-9");
                                          });
                                  CollectorHeartbeat beat =
                                      CollectorHeartbeat.parseFrom(mock.history().get(2).value());
                                  assertThat(beat.getHostId()).isEqualTo("host-9");
                                  assertThat(beat.getKernelVersion()).isEqualTo(kernel);
                                  assertThat(beat.getEngineVersion()).isEmpty();
                                  assertThat(beat.getRunningContainers()).isEqualTo(1);
                                  assertThat(beat.getCounters().getDockerEventsSeen()).isEqualTo(7);
                                  assertThat(beat.getCounters().getEventsDroppedBackpressure())
                                      .isEqualTo(3);
                                  assertThat(beat.getDegradedSourcesMap())
                                      .containsExactly(
                                          Map.entry(
                                              "packets", "no permission to capture on docker0"));
                                  assertThat(beat.hasStartedAt()).isTrue();
                                  unreachable.close();
                                });
                            ctx.completeNow();
                          }
                        })));
  }
}
