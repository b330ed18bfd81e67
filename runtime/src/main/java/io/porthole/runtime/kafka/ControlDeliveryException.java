package io.porthole.runtime.kafka;

/**
 * A control record (alert, command, result, dead letter) that Kafka did not acknowledge within the
 * control path's deadline, re-sends included, or that it refused with a non-retriable error. The
 * message says which topic, how long, how many tries and the last error.
 */
public final class ControlDeliveryException extends RuntimeException {

  public ControlDeliveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
