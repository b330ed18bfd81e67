package io.porthole.runtime.kafka;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A producer whose {@code send} blocks until {@link #release()}, as Kafka's does while it waits for
 * a topic's metadata or for room in {@code buffer.memory} (broker slow or unreachable); then it
 * acknowledges every record at once.
 */
final class StalledProducer extends MockProducer<String, byte[]> {

  private final CountDownLatch released = new CountDownLatch(1);
  private final CountDownLatch sending = new CountDownLatch(1);

  StalledProducer() {
    super(true, new StringSerializer(), new ByteArraySerializer());
  }

  /** Blocks the calling (test) thread until a record is in the blocked {@code send}. */
  void awaitSending() throws InterruptedException {
    sending.await();
  }

  void release() {
    released.countDown();
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
    sending.countDown();
    try {
      released.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    }
    return super.send(record, callback);
  }
}
