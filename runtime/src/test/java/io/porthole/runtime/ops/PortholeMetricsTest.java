package io.porthole.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
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
}
