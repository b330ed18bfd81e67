package io.porthole.runtime.kafka;

/**
 * Told the outcome of one record handed to {@link RecordPublisher#publish(io.porthole.wire.Topic,
 * String, com.google.protobuf.MessageLite, DeliveryListener)}, exactly once.
 *
 * <p>It is called on whatever thread decided the outcome: Kafka's producer I/O thread for an
 * acknowledgement or a failure, the publishing thread for a drop (buffer full), the stopping thread
 * for a record the publisher still held when it stopped. So it must be quick, thread-safe and never
 * block (count, or hand over with {@code runOnContext}); use {@link RecordPublisher#send} to get a
 * future on the caller's Vert.x context instead.
 */
@FunctionalInterface
public interface DeliveryListener {

  /**
   * @param failure {@code null} when the broker acknowledged the record; a {@link
   *     RecordDroppedException} when the publisher never handed it to Kafka (buffer full, or
   *     stopped); otherwise why Kafka did not acknowledge it
   */
  void delivered(Throwable failure);
}
