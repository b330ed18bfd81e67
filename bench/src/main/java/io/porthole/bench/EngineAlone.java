package io.porthole.bench;

import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.ContainerKey;
import io.porthole.analyzer.engine.EngineLimits;
import io.porthole.wire.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The flat-cost figure's analysis-thread share without Kafka, the decode threads or the rest of the
 * machine's load: the time {@link AnalysisEngine} takes per flow no rule may use, with {@code
 * containers} tracked, in batches as the analyzer hands them over (the slots of a batch read ahead,
 * then each flow). The keys are built outside the clock, as the decode threads build them.
 */
final class EngineAlone {

  private static final int BATCH = 500;
  private static final int BATCHES_PER_ROUND = 4_000;
  private static final int WARMUP_ROUNDS = 3;
  private static final int ROUNDS = 5;

  private EngineAlone() {}

  /** Nanoseconds per flow, one value per measured round. */
  static List<Double> nanosPerFlow(int containers) {
    AnalysisEngine engine =
        new AnalysisEngine(
            new EngineLimits(containers * 2, Duration.ofMinutes(15), 10_000, Duration.ofHours(1)),
            List.of());
    byte[][] ids = new byte[containers][];
    for (int c = 0; c < containers; c++) {
      ids[c] = Events.containerId(c).getBytes(StandardCharsets.US_ASCII);
    }
    byte[] host = Events.HOST.getBytes(StandardCharsets.US_ASCII);
    Instant now = Instant.now();
    ContainerKey[] keys = new ContainerKey[BATCH];
    List<Double> measured = new ArrayList<>();
    long flow = 0;
    for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      long nanos = 0;
      for (int batch = 0; batch < BATCHES_PER_ROUND; batch++) {
        for (int i = 0; i < BATCH; i++, flow++) {
          // Fresh strings, as decoded from each record.
          keys[i] =
              ContainerKey.of(
                  Topic.FLOWS,
                  new String(host, StandardCharsets.US_ASCII),
                  new String(ids[(int) (flow % containers)], StandardCharsets.US_ASCII));
        }
        long start = System.nanoTime();
        for (ContainerKey key : keys) {
          engine.readAhead(key);
        }
        for (ContainerKey key : keys) {
          engine.onUnusedFlow(key, now);
        }
        nanos += System.nanoTime() - start;
      }
      if (round >= WARMUP_ROUNDS) {
        measured.add((double) nanos / ((long) BATCHES_PER_ROUND * BATCH));
      }
    }
    if (engine.trackedContainers() != containers) {
      throw new IllegalStateException(
          "the engine tracks " + engine.trackedContainers() + " containers, not " + containers);
    }
    return measured;
  }

  static String how() {
    return "AnalysisEngine alone, one thread: per round "
        + BATCHES_PER_ROUND
        + " batches of "
        + BATCH
        + " flows no rule may use, round-robin over the containers (the analyzer figure's"
        + " order); per batch, the container keys built from fresh id strings outside the"
        + " clock (the decode threads' part), then, timed, the batch's slots read ahead and"
        + " each flow handed to onUnusedFlow; "
        + WARMUP_ROUNDS
        + " warm-up rounds, "
        + ROUNDS
        + " measured, in the flat-cost JVM after its Kafka rounds";
  }
}
