package io.porthole.bench;

import io.porthole.proto.EventEnvelope;
import io.porthole.wire.RecordKey;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Packet-flow records of synthetic containers produced into a flows topic at a steady rate, on a
 * thread of its own, until closed: the load an analyzer works under while another figure is
 * measured. The records are encoded once, so this JVM only has to keep the rate.
 */
final class FlowLoad implements AutoCloseable {
  private final String topic;
  private final int rate;
  private final byte[][] pool = new byte[8192][];
  private final String[] poolKeys = new String[pool.length];
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong sent = new AtomicLong();
  private final KafkaProducer<String, byte[]> producer;
  private final Thread thread;
  private long startedNanos;
  private long stoppedNanos;

  FlowLoad(String bootstrap, String topic, int rate) {
    this.topic = topic;
    this.rate = rate;
    Instant time = Instant.now();
    for (int i = 0; i < pool.length; i++) {
      EventEnvelope flow = Events.flow(i, KafkaDrivers.CONTAINERS, KafkaDrivers.FAIL_EVERY, time);
      pool[i] = flow.toByteArray();
      poolKeys[i] = new RecordKey(flow.getHostId(), flow.getContainerId()).asString();
    }
    this.producer = KafkaDrivers.producer(bootstrap);
    this.thread = new Thread(this::produce, "bench-flow-load");
  }

  FlowLoad start() {
    startedNanos = System.nanoTime();
    thread.start();
    return this;
  }

  private void produce() {
    long start = startedNanos;
    long count = 0;
    while (running.get()) {
      long target = (System.nanoTime() - start) * rate / 1_000_000_000L;
      long due = Math.min(target, count + Math.max(1, rate / 200));
      for (; count < due; count++) {
        int slot = (int) (count % pool.length);
        producer.send(new ProducerRecord<>(topic, poolKeys[slot], pool[slot]));
      }
      sent.set(count);
      if (count >= target) {
        LockSupport.parkNanos(200_000);
      }
    }
  }

  /** Records handed to the producer so far. */
  long sent() {
    return sent.get();
  }

  /** Records per second achieved from the start to the close (or to now). */
  double achievedRate() {
    long end = stoppedNanos > 0 ? stoppedNanos : System.nanoTime();
    return sent.get() / Math.max(1e-9, (end - startedNanos) / 1e9);
  }

  @Override
  public void close() throws InterruptedException {
    if (running.getAndSet(false)) {
      thread.join(TimeUnit.SECONDS.toMillis(10));
      stoppedNanos = System.nanoTime();
      producer.close();
    }
  }
}
