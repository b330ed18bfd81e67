package io.porthole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the directory remembers of containers that stopped (which kernel-log kills are this host's).
 */
class ContainerDirectoryTest {

  @Test
  void aContainerIsSeenWhileItRunsAndAfterItStoppedUntilMoreRecentStopsPushItOut() {
    ContainerDirectory directory = new ContainerDirectory();
    directory.running(new ContainerInfo("c1", "one", "busybox", 10, Map.of(), List.of(), "bridge"));
    assertThat(directory.seen("c1")).isTrue();
    directory.stopped("c1");
    assertThat(directory.byId("c1")).isEmpty();
    assertThat(directory.seen("c1"))
        .as("stopped here: a late kernel-log kill of it is ours")
        .isTrue();
    assertThat(directory.seen("elsewhere")).isFalse();

    for (int i = 0; i < ContainerDirectory.STOPPED_REMEMBERED; i++) {
      directory.stopped("other-" + i);
    }
    assertThat(directory.seen("c1")).isFalse();
    assertThat(directory.seen("other-" + (ContainerDirectory.STOPPED_REMEMBERED - 1))).isTrue();
  }
}
