package io.porthole.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.junit.jupiter.api.Test;

class PortholeMetricsTest {

  @Test
  void kafkaClientBindersShareOneRefreshThreadHoweverManyAreBoundAndClosed() {
    PortholeMetrics metrics = PortholeMetrics.create();
    for (int i = 0; i < 20; i++) {
      MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
      KafkaClientMetrics bound = metrics.bindKafkaConsumer(consumer);
      bound.close();
      consumer.close();
    }

    long refreshThreads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .filter(t -> t.getName().equals("porthole-kafka-metrics"))
            .count();
    assertThat(refreshThreads).isLessThanOrEqualTo(1);
  }

  @Test
  void closingABinderStopsItsRefreshSoNothingKeepsTheClientReachable() {
    PortholeMetrics metrics = PortholeMetrics.create();
    int before = PortholeMetrics.refreshesScheduled();
    List<KafkaClientMetrics> bound = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      bound.add(metrics.bindKafkaConsumer(new MockConsumer<>(OffsetResetStrategy.EARLIEST)));
      bound.add(metrics.bindKafkaProducer(new MockProducer<>()));
    }
    assertThat(PortholeMetrics.refreshesScheduled()).isEqualTo(before + 40);

    bound.forEach(KafkaClientMetrics::close);

    // Micrometer leaves the refresh of a binder handed a scheduler running after close: each one
    // held its client (and, through its listeners, a stopped service's state) forever.
    assertThat(PortholeMetrics.refreshesScheduled()).isEqualTo(before);
  }
}
