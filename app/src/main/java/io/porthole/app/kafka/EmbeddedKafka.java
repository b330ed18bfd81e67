package io.porthole.app.kafka;

import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM, on
 * 127.0.0.1, with its data under a directory of its own. Starting formats the storage on first use
 * (a restart on the same directory keeps the data), then starts the broker and creates Porthole's
 * topics. Start and stop block for seconds, so they run on a worker thread, never an event loop.
 */
public final class EmbeddedKafka implements Lifecycle {

  private static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final EmbeddedKafkaConfig config;
  private KafkaRaftServer server;
  private int brokerPort;

  public EmbeddedKafka(Vertx vertx, EmbeddedKafkaConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
  }

  /** {@code 127.0.0.1:PORT}; valid once started. */
  public String bootstrapServers() {
    if (brokerPort == 0) {
      throw new IllegalStateException("embedded Kafka is not started");
    }
    return HOST + ":" + brokerPort;
  }

  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(
        () -> {
          startBlocking();
          return null;
        },
        false);
  }

  @Override
  public Future<Void> stop() {
    return vertx.executeBlocking(
        () -> {
          stopBlocking();
          return null;
        },
        false);
  }

  /** Starts the broker and creates the topics; blocks until the broker answers. */
  public synchronized void startBlocking() throws Exception {
    if (server != null) {
      return;
    }
    int port = config.port() == 0 ? freePort() : requireFreePort(config.port());
    int controllerPort = freePort();
    Path dataDir = config.dataDir().toAbsolutePath();
    Path logDir = dataDir.resolve("kafka-logs");
    Files.createDirectories(logDir);
    KafkaConfig kafkaConfig =
        KafkaConfig.fromProps(brokerProperties(port, controllerPort, logDir), false);
    formatIfNeeded(kafkaConfig, logDir);
    KafkaRaftServer started = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
    try {
      started.startup();
    } catch (RuntimeException e) {
      shutdownQuietly(started);
      throw new IllegalStateException("embedded Kafka did not start: " + e.getMessage(), e);
    }
    server = started;
    brokerPort = port;
    // One broker: replication and min.insync.replicas stay the broker's (1).
    TopicPolicy policy = TopicPolicy.brokerDefaults(config.partitions());
    new TopicSetup(KafkaSettings.of(bootstrapServers()), config.topicNames(), policy)
        .apply(config.startTimeout());
  }

  /** Stops the broker and waits until its ports and files are released. */
  public synchronized void stopBlocking() {
    if (server == null) {
      return;
    }
    KafkaRaftServer stopping = server;
    server = null;
    brokerPort = 0;
    shutdownQuietly(stopping);
  }

  private static void shutdownQuietly(KafkaRaftServer server) {
    server.shutdown();
    server.awaitShutdown();
  }

  private Properties brokerProperties(int port, int controllerPort, Path logDir) {
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "6");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("num.partitions", "3");
    props.put("auto.create.topics.enable", "true");
    props.put("log.retention.hours", String.valueOf(config.retentionHours()));
    props.put("log.segment.bytes", String.valueOf(64L << 20));
    props.put("num.network.threads", "2");
    props.put("num.io.threads", "4");
    props.put("background.threads", "2");
    props.put("log.cleaner.threads", "1");
    props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8L << 20));
    return props;
  }

  private static void formatIfNeeded(KafkaConfig kafkaConfig, Path logDir) throws Exception {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(kafkaConfig.nodeId())
        .setClusterId(Uuid.randomUuid().toString())
        .setIgnoreFormatted(true)
        .setControllerListenerName("CONTROLLER")
        .setMetadataLogDirectory(logDir.toString())
        .addDirectory(logDir.toString())
        .run();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + HOST, e);
    }
  }

  private static int requireFreePort(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return port;
    } catch (IOException e) {
      throw new PortInUseException(HOST, port, "the embedded Kafka broker");
    }
  }
}
