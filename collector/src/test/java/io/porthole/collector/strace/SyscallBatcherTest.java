package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class SyscallBatcherTest {

  private final AtomicLong clock = new AtomicLong(1_000);
  private final List<EventEnvelope> out = new ArrayList<>();
  private final SyscallBatcher batcher =
      new SyscallBatcher(
          "host-a", "c0ffee", "label", Duration.ofMillis(250), 3, clock::get, out::add);

  private static SyscallEvent call(String name, long epochMillis) {
    return SyscallEvent.newBuilder()
        .setName(name)
        .setTime(Timestamps.ofEpochMillis(epochMillis))
        .build();
  }

  @Test
  void aBatchIsEmittedWhenItsIntervalHasPassed() {
    batcher.add(call("openat", 5_000));
    batcher.add(ProcessExit.newBuilder().setHostPid(7).setExitCode(12).build());
    clock.addAndGet(249);
    assertThat(batcher.flushIfDue()).isFalse();
    assertThat(out).isEmpty();
    clock.addAndGet(1);
    assertThat(batcher.flushIfDue()).isTrue();

    EventEnvelope envelope = out.get(0);
    assertThat(UUID.fromString(envelope.getEventId())).isNotNull();
    assertThat(envelope.getHostId()).isEqualTo("host-a");
    assertThat(envelope.getContainerId()).isEqualTo("c0ffee");
    assertThat(Timestamps.toEpochMillis(envelope.getTime())).isEqualTo(5_000);
    assertThat(Timestamps.toInstant(envelope.getCollectorTime()))
        .isCloseTo(Instant.now(), Assertions.within(Duration.ofSeconds(5)));
    assertThat(envelope.getSyscalls().getSyscallsList())
        .extracting(SyscallEvent::getName)
        .containsExactly("openat");
    assertThat(envelope.getSyscalls().getExits(0).getExitCode()).isEqualTo(12);
    assertThat(envelope.getSyscalls().getTraceReason()).isEqualTo("label");
    assertThat(batcher.flush()).isFalse(); // nothing open
  }

  @Test
  void anAddAfterTheIntervalClosesThePreviousBatch() {
    batcher.add(call("a", 1));
    clock.addAndGet(300);
    batcher.add(call("b", 2));
    assertThat(out).hasSize(1);
    batcher.flush();
    assertThat(out).hasSize(2);
    assertThat(out.get(1).getSyscalls().getSyscalls(0).getName()).isEqualTo("b");
    assertThat(out.get(0).getEventId()).isNotEqualTo(out.get(1).getEventId());
  }

  @Test
  void syscallsBeyondTheBoundAreDroppedAndCountedButExitsAreKept() {
    for (int i = 0; i < 5; i++) {
      batcher.add(call("read", i));
    }
    batcher.add(ProcessExit.newBuilder().setHostPid(1).setSignal("SIGKILL").build());
    batcher.unparsed(2);
    batcher.flush();

    assertThat(out).hasSize(1);
    assertThat(out.get(0).getSyscalls().getSyscallsCount()).isEqualTo(3);
    assertThat(out.get(0).getSyscalls().getDroppedEvents()).isEqualTo(2);
    assertThat(out.get(0).getSyscalls().getExitsCount()).isEqualTo(1);
    assertThat(out.get(0).getSyscalls().getUnparsedLines()).isEqualTo(2);
    assertThat(batcher.droppedEvents()).isEqualTo(2);
    assertThat(batcher.unparsedLines()).isEqualTo(2);

    batcher.add(call("write", 9));
    batcher.flush();
    assertThat(out.get(1).getSyscalls().getDroppedEvents()).isZero();
    assertThat(out.get(1).getSyscalls().getUnparsedLines()).isZero();
  }

  @Test
  void unparsedLinesAloneMakeABatchWithTheCollectorTime() {
    batcher.unparsed(1);
    batcher.flush();
    assertThat(out.get(0).getSyscalls().getUnparsedLines()).isEqualTo(1);
    assertThat(out.get(0).getTime()).isEqualTo(out.get(0).getCollectorTime());
  }
}
