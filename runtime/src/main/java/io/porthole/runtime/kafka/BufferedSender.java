package io.porthole.runtime.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A bounded buffer of records drained by one dedicated thread into Kafka's own producer.
 *
 * <p>{@link #offer} never blocks: it refuses a record when {@code capacity} records are held, that
 * is, waiting in the buffer or taken by the thread and not yet accepted by {@code Producer#send}.
 * The thread takes everything waiting at once and hands it over in order, so the order of records
 * from one publishing thread is kept. {@code Producer#send} blocks while it waits for a topic's
 * metadata or for room in {@code buffer.memory} (Kafka slow or unreachable): that blocks this
 * thread only, the buffer fills up, and further records are refused (the caller counts them as
 * drops). The thread starts with the first record and ends after {@link #stop}.
 */
final class BufferedSender {

  /**
   * A record and what to tell when Kafka acknowledged it, failed it, or it was never handed over.
   */
  interface Item extends Callback {
    ProducerRecord<String, byte[]> record();

    /** The sender stopped before this record was handed to the producer. */
    void dropped(String reason);
  }

  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private final Producer<String, byte[]> producer;
  private final int capacity;
  private final String name;
  private final Object lock = new Object();

  /** Records waiting plus records taken by the thread and not yet accepted by the producer. */
  private final AtomicInteger held = new AtomicInteger();

  private ArrayDeque<Item> waiting = new ArrayDeque<>(); // guarded by lock
  private Thread thread; // guarded by lock
  private boolean idle; // guarded by lock: the thread waits for records
  private volatile boolean stopped; // written under lock

  /**
   * @param name what the thread carries ({@code telemetry}, {@code control}), in its name
   */
  BufferedSender(Producer<String, byte[]> producer, int capacity, String name) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.name = Objects.requireNonNull(name, "name");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  int capacity() {
    return capacity;
  }

  boolean stopped() {
    return stopped;
  }

  /**
   * Takes the record unless {@code capacity} records are held or the sender stopped; never blocks.
   */
  boolean offer(Item item) {
    synchronized (lock) {
      if (stopped || held.get() >= capacity) {
        return false;
      }
      held.incrementAndGet();
      waiting.add(item);
      if (thread == null) {
        thread =
            new Thread(this::run, "porthole-kafka-" + name + "-" + THREAD_IDS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
      } else if (idle) {
        idle = false;
        lock.notify();
      }
    }
    return true;
  }

  /**
   * Refuses further records and returns those still waiting (never handed to the producer). The
   * thread drops what it has taken but not handed over yet, and ends.
   */
  List<Item> stop() {
    synchronized (lock) {
      stopped = true;
      List<Item> left = new ArrayList<>(waiting);
      waiting.clear();
      held.addAndGet(-left.size());
      lock.notifyAll();
      return left;
    }
  }

  /**
   * Blocks until the thread has ended (call after {@link #stop}, from a worker, never an event
   * loop).
   */
  void awaitEnd() throws InterruptedException {
    Thread running;
    synchronized (lock) {
      running = thread;
    }
    if (running != null) {
      running.join();
    }
  }

  private void run() {
    ArrayDeque<Item> taken = new ArrayDeque<>();
    while ((taken = takeAll(taken)) != null) {
      for (Item item = taken.poll(); item != null; item = taken.poll()) {
        if (stopped) {
          item.dropped("publisher stopped");
        } else {
          hand(item);
        }
        held.decrementAndGet();
      }
    }
  }

  /**
   * Waits for records; swaps the (empty) {@code drained} deque for the waiting one; null once
   * stopped.
   */
  private ArrayDeque<Item> takeAll(ArrayDeque<Item> drained) {
    synchronized (lock) {
      while (waiting.isEmpty() && !stopped) {
        idle = true;
        try {
          lock.wait();
        } catch (InterruptedException e) {
          // Only stop() ends this thread: it must drop or hand over what it holds first.
        }
      }
      idle = false;
      if (waiting.isEmpty()) {
        return null;
      }
      ArrayDeque<Item> full = waiting;
      waiting = drained;
      return full;
    }
  }

  private void hand(Item item) {
    try {
      producer.send(item.record(), item);
    } catch (RuntimeException e) {
      // Kafka reports its own errors through the callback; what is thrown is anything else (the
      // producer closed, a serializer failed, an interrupt): the record was not accepted.
      item.onCompletion(null, e);
    }
  }
}
