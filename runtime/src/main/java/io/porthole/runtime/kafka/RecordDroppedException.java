package io.porthole.runtime.kafka;

/**
 * The publisher did not hand the record to Kafka at all: its buffer was full (Kafka slow or
 * unreachable) or it had stopped. Counted in {@link RecordPublisher#dropped()}, unlike a record the
 * broker failed to acknowledge.
 */
public final class RecordDroppedException extends RuntimeException {

  public RecordDroppedException(String message) {
    super(message, null, false, false);
  }
}
