package io.porthole.app.kafka;

import io.porthole.app.CliFailure;
import io.porthole.runtime.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Checks that a Kafka cluster answers, with the client settings every service will use, before
 * anything is started against it. Blocking.
 */
public final class KafkaReachability {

  private KafkaReachability() {}

  /**
   * Returns the cluster id when the cluster answers a describeCluster within the timeout.
   *
   * @throws CliFailure (exit 1) naming the address and what to check otherwise: a refused login or
   *     TLS handshake, a missing permission, bad client settings, or no answer
   */
  public static String require(KafkaSettings kafka, Duration timeout) {
    int millis = (int) timeout.toMillis();
    Map<String, String> defaults =
        Map.of(
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(millis),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(millis),
            AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000",
            AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "5000",
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    String bootstrap = kafka.bootstrapServers();
    try (Admin admin =
        Admin.create(new HashMap<>(kafka.adminConfig("porthole-reachability", defaults)))) {
      return admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(millis))
          .clusterId()
          .get(millis + 2000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.failure("interrupted while checking Kafka at " + bootstrap);
    } catch (ExecutionException e) {
      throw failure(kafka, e.getCause(), timeout);
    } catch (TimeoutException e) {
      throw failure(kafka, e, timeout);
    } catch (KafkaException e) {
      // Admin.create refused the settings themselves (an unknown protocol, a missing keystore,
      // ...).
      throw CliFailure.failure(
          "cannot create a Kafka client for "
              + bootstrap
              + " ("
              + kafka.securityDescription()
              + "): "
              + kafka.scrub(rootMessage(e))
              + "; check the kafka.client.* settings");
    }
  }

  private static CliFailure failure(KafkaSettings kafka, Throwable cause, Duration timeout) {
    String bootstrap = kafka.bootstrapServers();
    String security = kafka.securityDescription();
    if (cause instanceof SaslAuthenticationException) {
      return CliFailure.failure(
          "Kafka at "
              + bootstrap
              + " refused the login ("
              + security
              + "): "
              + kafka.scrub(cause.getMessage())
              + "; check the user name and password in kafka.client.sasl.jaas.config and "
              + "kafka.client.sasl.mechanism");
    }
    if (cause instanceof SslAuthenticationException) {
      return CliFailure.failure(
          "the TLS handshake with Kafka at "
              + bootstrap
              + " failed ("
              + security
              + "): "
              + kafka.scrub(rootMessage(cause))
              + "; check kafka.client.ssl.truststore.* (the broker's CA) and the broker's "
              + "host name");
    }
    if (cause instanceof AuthenticationException) {
      return CliFailure.failure(
          "Kafka at "
              + bootstrap
              + " refused the authentication ("
              + security
              + "): "
              + kafka.scrub(cause.getMessage()));
    }
    if (cause instanceof AuthorizationException) {
      return CliFailure.failure(
          "Kafka at "
              + bootstrap
              + " refused access ("
              + security
              + "): "
              + kafka.scrub(cause.getMessage())
              + "; grant the user the DESCRIBE permission on the cluster");
    }
    return CliFailure.failure(
        "cannot reach Kafka at "
            + bootstrap
            + " within "
            + timeout.toSeconds()
            + " s: check the address (--kafka HOST:PORT), that the broker is running, that its"
            + " advertised listeners are reachable from here and that "
            + "kafka.client.security.protocol ("
            + security
            + ") is the listener's; or leave out --kafka to use the embedded broker");
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
