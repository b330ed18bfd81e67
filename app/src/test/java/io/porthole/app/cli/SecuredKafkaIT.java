package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * `porthole up --kafka` against secured brokers, with the client settings in a properties file
 * (PORTHOLE_CONFIG_FILE): a SASL_PLAINTEXT broker (PLAIN) and a mutual-TLS broker (certificates
 * made here with openssl; the client trusts a PEM CA and presents a PKCS12 keystore). Each starts,
 * creates its topics, and an OOM kill of a real container reaches the REST API; a wrong password is
 * one line and exit 1. Both brokers start side by side once for the class.
 */
class SecuredKafkaIT {

  private static final String IMAGE = "apache/kafka:3.9.1";
  private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
  private static final String PASSWORD = "porthole-it-" + SUFFIX;
  private static final String STORE_PASSWORD = "store-" + SUFFIX;
  private static final String SCRAM_USER = "porthole-scram";
  private static final Duration READY = Duration.ofSeconds(180);

  private static Path secrets;
  private static int saslPort;
  private static int tlsPort;
  private static GenericContainer<?> saslBroker;
  private static GenericContainer<?> tlsBroker;

  @TempDir Path dataDir;
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void startBrokers() throws Exception {
    secrets = Files.createTempDirectory("porthole-it-tls-");
    Certificates.generate(secrets, STORE_PASSWORD);
    saslPort = freePort();
    tlsPort = freePort();
    saslBroker = broker("sasl", saslPort, saslEnvironment());
    // Bound by hand: withFileSystemBind first checks mounts with an alpine image, which cannot be
    // pulled here.
    tlsBroker =
        broker("tls", tlsPort, tlsEnvironment())
            .withCreateContainerCmdModifier(
                cmd ->
                    cmd.getHostConfig()
                        .withBinds(
                            new Bind(
                                secrets.toString(),
                                new Volume("/etc/kafka/secrets"),
                                AccessMode.ro)));
    Startables.deepStart(saslBroker, tlsBroker).join();
    addScramUser();
  }

  /** The SCRAM-SHA-512 user, added through the admin API by the broker's PLAIN admin. */
  private static void addScramUser() throws Exception {
    Map<String, Object> admin = new HashMap<>();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + saslPort);
    admin.put("security.protocol", "SASL_PLAINTEXT");
    admin.put("sasl.mechanism", "PLAIN");
    admin.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\""
            + " password=\"admin-"
            + SUFFIX
            + "\";");
    try (Admin client = Admin.create(admin)) {
      client
          .alterUserScramCredentials(
              List.of(
                  new UserScramCredentialUpsertion(
                      SCRAM_USER,
                      new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                      PASSWORD)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopBrokers() throws IOException {
    for (GenericContainer<?> broker : new GenericContainer<?>[] {saslBroker, tlsBroker}) {
      if (broker != null) {
        broker.stop();
      }
    }
    if (secrets != null) {
      try (Stream<Path> files = Files.walk(secrets)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Test
  void upWithSaslPlainFromAPropertiesFileCreatesItsTopicsAndAnOomAlertReachesTheApi()
      throws Exception {
    Path file =
        properties("sasl.properties", saslClient(PASSWORD) + "topic.min.insync.replicas=1\n");
    String viewer = "viewer-token-" + SUFFIX;
    try (PortholeProcess up = up(file, "127.0.0.1:" + saslPort, viewer)) {
      String api = awaitController(up);
      assertTopicsCreatedWithMinInsyncReplicas(file, "127.0.0.1:" + saslPort);
      String id = assertOomAlertReachesTheApi(api, viewer, up);
      assertThat(String.join("\n", up.out()) + String.join("\n", up.err()))
          .doesNotContain(PASSWORD);
      // SCRAM-SHA-512, the settings from the environment alone: `porthole tail` (its reachability
      // check's admin client and its consumer) reads the alert.
      assertTailPrintsTheAlert(
          Map.of(
              "PORTHOLE_KAFKA_CLIENT_SECURITY_PROTOCOL",
              "SASL_PLAINTEXT",
              "PORTHOLE_KAFKA_CLIENT_SASL_MECHANISM",
              "SCRAM-SHA-512",
              "PORTHOLE_KAFKA_CLIENT_SASL_JAAS_CONFIG",
              "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                  + SCRAM_USER
                  + "\" password=\""
                  + PASSWORD
                  + "\";"),
          "127.0.0.1:" + saslPort,
          id,
          PASSWORD);
    }
  }

  @Test
  void upWithMutualTlsFromAPropertiesFileCreatesItsTopicsAndAnOomAlertReachesTheApi()
      throws Exception {
    Path file =
        properties(
            "tls.properties",
            String.join(
                "\n",
                "kafka.client.security.protocol=SSL",
                "kafka.client.ssl.truststore.type=PEM",
                "kafka.client.ssl.truststore.location=" + secrets.resolve("ca.pem"),
                "kafka.client.ssl.keystore.type=PKCS12",
                "kafka.client.ssl.keystore.location=" + secrets.resolve("client.p12"),
                "kafka.client.ssl.keystore.password=" + STORE_PASSWORD,
                ""));
    String viewer = "viewer-token-" + SUFFIX;
    try (PortholeProcess up = up(file, "127.0.0.1:" + tlsPort, viewer)) {
      String api = awaitController(up);
      assertThat(existingTopics(file, "127.0.0.1:" + tlsPort))
          .containsAll(List.of(TopicNames.standard().names(Topic.values())));
      String id = assertOomAlertReachesTheApi(api, viewer, up);
      assertThat(String.join("\n", up.out()) + String.join("\n", up.err()))
          .doesNotContain(STORE_PASSWORD);
      // A PEM client key store (key and certificate chain in one file), the settings from the
      // environment alone: `porthole tail` reads the alert.
      assertTailPrintsTheAlert(
          Map.of(
              "PORTHOLE_KAFKA_CLIENT_SECURITY_PROTOCOL", "SSL",
              "PORTHOLE_KAFKA_CLIENT_SSL_TRUSTSTORE_TYPE", "PEM",
              "PORTHOLE_KAFKA_CLIENT_SSL_TRUSTSTORE_LOCATION", secrets.resolve("ca.pem").toString(),
              "PORTHOLE_KAFKA_CLIENT_SSL_KEYSTORE_TYPE", "PEM",
              "PORTHOLE_KAFKA_CLIENT_SSL_KEYSTORE_LOCATION",
                  secrets.resolve("client.pem").toString()),
          "127.0.0.1:" + tlsPort,
          id,
          STORE_PASSWORD);
    }
  }

  @Test
  void aWrongPasswordIsOneLineNamingTheRefusedLoginAndExitCode1() throws Exception {
    String wrong = "wrong-" + SUFFIX;
    Path file = properties("wrong.properties", saslClient(wrong));
    // Without the strace override of up(): the refused login must be the only line.
    try (PortholeProcess up =
        PortholeProcess.start(
            Map.of("PORTHOLE_CONFIG_FILE", file.toString()),
            List.of(),
            "up",
            "--kafka",
            "127.0.0.1:" + saslPort,
            "--http-port",
            "0",
            "--data-dir",
            dataDir.resolve("data").toString())) {
      assertThat(up.awaitExit(Duration.ofSeconds(60))).as(up.transcript()).isEqualTo(1);
      assertThat(up.err())
          .as(up.transcript())
          .containsExactly(
              "porthole: Kafka at 127.0.0.1:"
                  + saslPort
                  + " refused the login (SASL_PLAINTEXT, mechanism PLAIN):"
                  + " Authentication failed: Invalid username or password; check the user "
                  + "name and password in"
                  + " kafka.client.sasl.jaas.config and kafka.client.sasl.mechanism");
      assertThat(up.out()).noneMatch(line -> line.startsWith("kafka: "));
      assertThat(String.join("\n", up.out()) + String.join("\n", up.err()))
          .as(up.transcript())
          .doesNotContain(wrong);
    }
  }

  // --- the brokers ---------------------------------------------------------------------------

  private static GenericContainer<?> broker(String kind, int port, Map<String, String> environment)
      throws IOException {
    int controllerPort = freePort();
    Map<String, String> env = new HashMap<>(environment);
    env.put("CLUSTER_ID", "cG9ydGhvbGUtc2VjdXJlZA");
    env.put("KAFKA_NODE_ID", "1");
    env.put("KAFKA_PROCESS_ROLES", "broker,controller");
    env.put("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@127.0.0.1:" + controllerPort);
    env.put("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER");
    env.put(
        "KAFKA_LISTENERS",
        env.remove("LISTENER")
            + "://127.0.0.1:"
            + port
            + ",CONTROLLER://127.0.0.1:"
            + controllerPort);
    env.put(
        "KAFKA_ADVERTISED_LISTENERS",
        env.get("KAFKA_INTER_BROKER_LISTENER_NAME") + "://127.0.0.1:" + port);
    env.put("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
    env.put("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
    env.put("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1");
    env.put("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
    env.put("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    env.put("KAFKA_HEAP_OPTS", "-Xms128m -Xmx384m");
    // Host network: the broker listens on this machine's loopback on ports chosen here, so that its
    // advertised address is the one the client dials (no mapped port to learn after the start).
    return new GenericContainer<>(DockerImageName.parse(IMAGE))
        .withNetworkMode("host")
        .withEnv(env)
        .withCreateContainerCmdModifier(
            cmd -> cmd.withName("porthole-it-kafka-" + kind + "-" + SUFFIX))
        .waitingFor(
            Wait.forLogMessage(".*Transitioning from RECOVERY to RUNNING.*", 1)
                .withStartupTimeout(Duration.ofSeconds(120)));
  }

  private static Map<String, String> saslEnvironment() {
    return Map.of(
        "LISTENER",
        "SASL_PLAINTEXT",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
        "CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER_NAME",
        "SASL_PLAINTEXT",
        "KAFKA_SASL_ENABLED_MECHANISMS",
        "PLAIN,SCRAM-SHA-512",
        // ___ is -: listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config.
        "KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___512_SASL_JAAS_CONFIG",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        "KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL",
        "PLAIN",
        // The run script maps __ to _: listener.name.sasl_plaintext.plain.sasl.jaas.config.
        "KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG",
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-"
            + SUFFIX
            + "\" user_admin=\"admin-"
            + SUFFIX
            + "\" user_porthole=\""
            + PASSWORD
            + "\";");
  }

  private static Map<String, String> tlsEnvironment() {
    return Map.of(
        "LISTENER", "SSL",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,SSL:SSL",
        "KAFKA_INTER_BROKER_LISTENER_NAME", "SSL",
        "KAFKA_SSL_KEYSTORE_TYPE", "PEM",
        "KAFKA_SSL_KEYSTORE_LOCATION", "/etc/kafka/secrets/broker.pem",
        "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
        "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/secrets/ca.pem",
        "KAFKA_SSL_CLIENT_AUTH", "required");
  }

  // --- porthole up ---------------------------------------------------------------------------

  private static String saslClient(String password) {
    return String.join(
        "\n",
        "kafka.client.security.protocol=SASL_PLAINTEXT",
        "kafka.client.sasl.mechanism=PLAIN",
        "kafka.client.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginM"
            + "odule required"
            + " username=\"porthole\" password=\""
            + password
            + "\";",
        "");
  }

  private Path properties(String name, String text) throws IOException {
    return Files.writeString(dataDir.resolve(name), text);
  }

  private PortholeProcess up(Path file, String bootstrap, String viewer) throws IOException {
    Map<String, String> env =
        Map.of(
            "PORTHOLE_CONFIG_FILE",
            file.toString(),
            "PORTHOLE_VIEWER_TOKEN",
            viewer,
            // Lean: no packet capture, and no strace attached to other tests' traced containers.
            "PORTHOLE_CAPTURE_ENABLED",
            "false",
            "PORTHOLE_STRACE_BINARY",
            "/nonexistent/strace");
    return PortholeProcess.start(
        env,
        List.of(),
        "up",
        "--kafka",
        bootstrap,
        "--http-port",
        "0",
        "--data-dir",
        dataDir.resolve("data").toString(),
        "--host-id",
        "it-secured-" + SUFFIX);
  }

  private static String awaitController(PortholeProcess up) throws InterruptedException {
    String line = up.awaitOut(l -> l.startsWith("controller: "), READY);
    assertThat(up.awaitOut(l -> l.startsWith("running: "), READY))
        .isEqualTo("running: analyzer, controller, collector");
    return line.substring("controller: ".length());
  }

  private static KafkaSettings clientSettings(Path file, String bootstrap) {
    return KafkaSettings.from(
        Settings.from(
            Map.of(Settings.CONFIG_FILE_ENV, file.toString()),
            Map.of(KafkaSettings.BOOTSTRAP_KEY, bootstrap)));
  }

  private static Set<String> existingTopics(Path file, String bootstrap) throws Exception {
    try (Admin admin =
        Admin.create(new HashMap<>(clientSettings(file, bootstrap).adminConfig("it-check")))) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
  }

  private static void assertTopicsCreatedWithMinInsyncReplicas(Path file, String bootstrap)
      throws Exception {
    try (Admin admin =
        Admin.create(new HashMap<>(clientSettings(file, bootstrap).adminConfig("it-check")))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .containsAll(List.of(TopicNames.standard().names(Topic.values())));
      ConfigResource alerts =
          new ConfigResource(ConfigResource.Type.TOPIC, TopicNames.standard().name(Topic.ALERTS));
      Config config =
          admin.describeConfigs(List.of(alerts)).all().get(30, TimeUnit.SECONDS).get(alerts);
      ConfigEntry minInsync = config.get("min.insync.replicas");
      assertThat(minInsync.value()).isEqualTo("1");
      // Set on the topic by Porthole (topic.min.insync.replicas), not inherited from the broker.
      assertThat(minInsync.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }
  }

  private String assertOomAlertReachesTheApi(String api, String viewer, PortholeProcess up)
      throws Exception {
    String id;
    try (DockerClient docker = TestDocker.client()) {
      id =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName("porthole-it-secured-oom-" + SUFFIX + "-" + containers.size())
              .withHostConfig(
                  HostConfig.newHostConfig().withMemory(16L << 20).withMemorySwap(16L << 20))
              .withCmd("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
              .exec()
              .getId();
      containers.add(id);
      try {
        docker.startContainerCmd(id).exec();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request =
            HttpRequest.newBuilder(
                    URI.create(api + "/api/v1/alerts?rule=OOM_KILLED&container=" + id))
                .header("Authorization", "Bearer " + viewer)
                .build();
        Await.awaiting("an OOM_KILLED alert for " + id + " through the API", Duration.ofSeconds(90))
            .every(Duration.ofMillis(500))
            .withDetail(up::transcript)
            .value(
                () -> http.send(request, HttpResponse.BodyHandlers.ofString()),
                response ->
                    response.statusCode() == 200 && containerIds(response.body()).contains(id),
                response -> "answer " + response.statusCode() + " " + response.body());
      } finally {
        docker.removeContainerCmd(id).withForce(true).exec();
      }
    }
    return id;
  }

  /**
   * {@code porthole tail alerts --from-beginning} with the client settings from the environment
   * prints the alert of the container; the secret is in no line.
   */
  private static void assertTailPrintsTheAlert(
      Map<String, String> env, String bootstrap, String containerId, String secret)
      throws Exception {
    try (PortholeProcess tail =
        PortholeProcess.start(
            env,
            List.of(),
            "tail",
            "alerts",
            "--kafka",
            bootstrap,
            "--from-beginning",
            "--timeout",
            "60")) {
      String line = tail.awaitOut(l -> l.contains(containerId), Duration.ofSeconds(60));
      assertThat(new JsonObject(line).getString("containerId")).isEqualTo(containerId);
      tail.terminate();
      tail.awaitExit(Duration.ofSeconds(30));
      assertThat(String.join("\n", tail.out()) + String.join("\n", tail.err()))
          .as(tail.transcript())
          .doesNotContain(secret);
    }
  }

  private static Collection<String> containerIds(String body) {
    JsonArray alerts = new JsonObject(body).getJsonArray("alerts", new JsonArray());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < alerts.size(); i++) {
      ids.add(alerts.getJsonObject(i).getString("containerId"));
    }
    return ids;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  /**
   * A CA, a broker certificate for 127.0.0.1 (PEM: key and chain in one file) and a client's
   * PKCS12.
   */
  private static final class Certificates {

    static void generate(Path dir, String storePassword) throws IOException, InterruptedException {
      openssl(
          dir,
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "ca.key",
          "-out",
          "ca.pem",
          "-days",
          "2",
          "-subj",
          "/CN=porthole-it-ca");
      Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
      for (String name : new String[] {"broker", "client"}) {
        openssl(
            dir,
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            name + ".key",
            "-out",
            name + ".csr",
            "-subj",
            "/CN=porthole-it-" + name);
        openssl(
            dir,
            "x509",
            "-req",
            "-in",
            name + ".csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            name + ".crt",
            "-days",
            "2",
            "-extfile",
            "san.ext");
      }
      // Kafka's PEM key store: the (unencrypted PKCS#8) key, then the certificate chain.
      Files.writeString(
          dir.resolve("broker.pem"),
          Files.readString(dir.resolve("broker.key"))
              + Files.readString(dir.resolve("broker.crt"))
              + Files.readString(dir.resolve("ca.pem")));
      Files.writeString(
          dir.resolve("client.pem"),
          Files.readString(dir.resolve("client.key"))
              + Files.readString(dir.resolve("client.crt"))
              + Files.readString(dir.resolve("ca.pem")));
      openssl(
          dir,
          "pkcs12",
          "-export",
          "-in",
          "client.crt",
          "-inkey",
          "client.key",
          "-certfile",
          "ca.pem",
          "-out",
          "client.p12",
          "-passout",
          "pass:" + storePassword);
      try (Stream<Path> files = Files.list(dir)) {
        // The broker in its container reads them as whatever user it runs as.
        files.forEach(path -> path.toFile().setReadable(true, false));
      }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of("openssl"));
      command.addAll(Arrays.asList(args));
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
      }
    }
  }
}
