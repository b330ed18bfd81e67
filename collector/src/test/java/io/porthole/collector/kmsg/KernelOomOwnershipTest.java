package io.porthole.collector.kmsg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which kernel-log kills a collector reports when engines share the kernel. */
class KernelOomOwnershipTest {

  @Test
  void aKillOfAContainerThisEngineLacksAndThisCollectorNeverSawIsAnotherEngines() {
    assertThat(KernelOomSource.ours(true, false)).as("another engine's container").isFalse();
    assertThat(KernelOomSource.ours(true, true))
        .as("ours, removed since (docker run --rm)")
        .isTrue();
    assertThat(KernelOomSource.ours(false, false))
        .as("the engine has it: ours, seen or not")
        .isTrue();
  }
}
