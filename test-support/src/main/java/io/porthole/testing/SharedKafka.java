package io.porthole.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The one Kafka broker of a test JVM: started by Testcontainers from the locally built image
 * ({@code dev/test} builds it; system property {@code porthole.kafka.image}) on first use, shared
 * by every integration test of the module, and stopped when the JVM exits (Ryuk is disabled on
 * these machines, so nothing else would). Tests isolate themselves with their own topics or keys.
 */
public final class SharedKafka {

  private static final String IMAGE =
      System.getProperty("porthole.kafka.image", "apache/kafka:3.9.1");
  private static KafkaContainer container;

  private SharedKafka() {}

  /** The bootstrap servers of the shared broker, starting it on first call. */
  public static synchronized String bootstrapServers() {
    if (container == null) {
      KafkaContainer started =
          new KafkaContainer(IMAGE)
              .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
              .withEnv("KAFKA_NUM_PARTITIONS", "3")
              .withStartupTimeout(Duration.ofSeconds(120));
      started.start();
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "shared-kafka-stop"));
      container = started;
    }
    return container.getBootstrapServers();
  }

  /** The container id of the broker, for tests that must keep it alive across engine restarts. */
  public static synchronized String containerId() {
    bootstrapServers();
    return container.getContainerId();
  }

  /** A topic name no other test uses: {@code prefix-<random>}. */
  public static String uniqueTopic(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Creates topics with the given partition count (replication 1) and waits until they exist. */
  public static void createTopics(int partitions, String... topics) {
    try (Admin admin = admin()) {
      List<NewTopic> newTopics =
          Arrays.stream(topics).map(t -> new NewTopic(t, partitions, (short) 1)).toList();
      admin.createTopics(newTopics).all().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics " + List.of(topics), e.getCause());
    }
  }

  public static Admin admin() {
    Properties props = new Properties();
    props.putAll(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    return Admin.create(props);
  }
}
