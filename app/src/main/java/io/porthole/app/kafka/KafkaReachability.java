package io.porthole.app.kafka;

import io.porthole.app.CliFailure;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Checks that a Kafka cluster answers before anything is started against it. Blocking. */
public final class KafkaReachability {

  private KafkaReachability() {}

  /**
   * Returns the cluster id when the cluster answers a describeCluster within the timeout.
   *
   * @throws CliFailure (exit 1) naming the address and what to check otherwise
   */
  public static String require(String bootstrapServers, Duration timeout) {
    int millis = (int) timeout.toMillis();
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(millis),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(millis),
                AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000",
                AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "5000",
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000"))) {
      return admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(millis))
          .clusterId()
          .get(millis + 2000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.failure("interrupted while checking Kafka at " + bootstrapServers);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw CliFailure.failure(
          "cannot reach Kafka at "
              + bootstrapServers
              + " within "
              + timeout.toSeconds()
              + " s: check the address (--kafka HOST:PORT), that the broker is running, and that its"
              + " advertised listeners are reachable from here; or leave out --kafka to use the embedded broker");
    }
  }
}
