import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The analyzer rows' backlog: flow records that raise nothing, with OOM deaths of distinct synthetic
 * containers spread evenly through them, published as a collector would (key hostId/containerId,
 * protobuf envelopes) so that an analyzer reading them is busy for a while and can be killed in the
 * middle. Run with the porthole jar on the class path (single-file source launch):
 *
 *   java -cp app/target/porthole.jar reliability/driver/SyntheticLoad.java BOOTSTRAP TOPIC_PREFIX HOST_ID FLOWS DEATHS
 *
 * Prints the container id of every death on stdout, one a line, once Kafka acknowledged every record
 * (exit 0); a record Kafka refused makes it exit 1 naming the error.
 */
public final class SyntheticLoad {

  private static final int CONTAINERS = 200;

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: SyntheticLoad BOOTSTRAP TOPIC_PREFIX HOST_ID FLOWS DEATHS");
      System.exit(2);
    }
    String bootstrap = args[0];
    TopicNames names = TopicNames.withPrefix(args[1]);
    String host = args[2];
    long flows = Long.parseLong(args[3]);
    int deaths = Integer.parseInt(args[4]);
    long every = Math.max(1, flows / Math.max(1, deaths));
    long run = System.currentTimeMillis();
    AtomicLong failures = new AtomicLong();
    StringBuilder dead = new StringBuilder();
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      int died = 0;
      for (long n = 0; n < flows || died < deaths; n++) {
        if (n < flows) {
          send(producer, names.name(Topic.FLOWS), flow(host, n), failures);
        }
        if (died < deaths && n % every == every - 1 || n >= flows && died < deaths) {
          String id = String.format("%016x%048x", run, died);
          send(producer, names.name(Topic.CONTAINER_EVENTS), oomDie(host, id, "rel-synthetic-" + died), failures);
          dead.append(id).append('\n');
          died++;
        }
      }
      producer.flush();
    }
    if (failures.get() > 0) {
      System.err.println("SyntheticLoad: " + failures.get() + " records were not acknowledged");
      System.exit(1);
    }
    System.out.print(dead);
    System.err.println("SyntheticLoad: " + flows + " flows and " + deaths + " OOM deaths acknowledged");
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, EventEnvelope envelope, AtomicLong failures) {
    String key = envelope.getHostId() + "/" + envelope.getContainerId();
    producer.send(new ProducerRecord<>(topic, key, envelope.toByteArray()), (metadata, error) -> {
      if (error != null && failures.getAndIncrement() == 0) {
        System.err.println("SyntheticLoad: send failed: " + error);
      }
    });
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** An answered TCP connection: raises nothing, only costs the analyzer time. */
  private static EventEnvelope flow(String host, long n) {
    int container = (int) (n % CONTAINERS);
    String address = "172.31." + (container / 250) + "." + (2 + container % 250);
    Instant now = Instant.now();
    return EventEnvelope.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setHostId(host)
        .setContainerId(String.format("%064x", 0xF10E00000000L + container))
        .setTime(Timestamps.of(now))
        .setCollectorTime(Timestamps.of(now))
        .setFlow(FlowRecord.newBuilder()
            .setProtocol(TransportProtocol.TCP)
            .setSourceAddress(address)
            .setSourcePort(32768 + (int) (n % 28000))
            .setDestinationAddress("10.0." + (n % 200) + "." + (n % 250 + 1))
            .setDestinationPort(443)
            .setDirection(FlowDirection.OUTBOUND)
            .setContainerAddress(address)
            .setPacketsForward(7)
            .setPacketsReverse(6)
            .setBytesForward(1420)
            .setBytesReverse(5210)
            .setTcpFlags(TcpFlagCounts.newBuilder().setSyn(1).setSynAck(1).setFin(2))
            .setFirstSeen(Timestamps.of(now.minusMillis(120)))
            .setLastSeen(Timestamps.of(now))
            .setEnded(true)
            .setInterface("docker0"))
        .build();
  }

  /** A container the OOM killer ended, as the collector publishes its die: OOM_KILLED, one alert. */
  private static EventEnvelope oomDie(String host, String containerId, String name) {
    Instant now = Instant.now();
    return EventEnvelope.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setHostId(host)
        .setContainerId(containerId)
        .setTime(Timestamps.of(now))
        .setCollectorTime(Timestamps.of(now))
        .setContainerEvent(ContainerEvent.newBuilder()
            .setAction(ContainerAction.DIE)
            .setRawAction("die")
            .setName(name)
            .setImage("porthole/busybox:test")
            .setExitCode(137)
            .setOomKilled(true)
            .setState("exited")
            .setConfig(ContainerConfig.newBuilder().setMemoryLimitBytes(16L << 20).setNetworkMode("bridge")))
        .build();
  }
}
