package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamReplayTest {

  @Test
  void eventsGetEpochAndSequenceIds() {
    StreamReplay replay = new StreamReplay("e1", 10);
    assertThat(replay.lastId()).isEqualTo("e1-0");
    assertThat(replay.append("alert", "{\"a\":1}"))
        .isEqualTo("id: e1-1\nevent: alert\ndata: {\"a\":1}\n\n");
    assertThat(replay.append("alert", "{\"a\":2}")).startsWith("id: e1-2\n");
    assertThat(replay.lastId()).isEqualTo("e1-2");
  }

  @Test
  void aClientGetsExactlyTheEventsAfterItsLastId() {
    StreamReplay replay = new StreamReplay("e1", 10);
    for (int i = 1; i <= 5; i++) {
      replay.append("alert", "{\"n\":" + i + "}");
    }
    assertThat(replay.after("e1-3"))
        .hasValueSatisfying(
            missed ->
                assertThat(missed)
                    .containsExactly(
                        "id: e1-4\nevent: alert\ndata: {\"n\":4}\n\n",
                        "id: e1-5\nevent: alert\ndata: {\"n\":5}\n\n"));
    assertThat(replay.after("e1-5")).hasValueSatisfying(missed -> assertThat(missed).isEmpty());
    assertThat(replay.after("e1-0")).hasValueSatisfying(missed -> assertThat(missed).hasSize(5));
  }

  @Test
  void beforeAnyEventTheStartIdResumes() {
    StreamReplay replay = new StreamReplay("e1", 3);
    assertThat(replay.after("e1-0")).hasValueSatisfying(missed -> assertThat(missed).isEmpty());
    replay.append("alert", "{}");
    assertThat(replay.after("e1-0")).hasValueSatisfying(missed -> assertThat(missed).hasSize(1));
  }

  @Test
  void theBufferIsBoundedAndAnIdOlderThanItCannotResume() {
    StreamReplay replay = new StreamReplay("e1", 3);
    for (int i = 1; i <= 6; i++) {
      replay.append("alert", "{\"n\":" + i + "}");
    }
    assertThat(replay.size()).isEqualTo(3);
    // Events 4..6 are kept: from 3 on nothing is missing, from 2 on event 3 is lost.
    assertThat(replay.after("e1-3")).hasValueSatisfying(missed -> assertThat(missed).hasSize(3));
    assertThat(replay.after("e1-2")).isEmpty();
    assertThat(replay.after("e1-0")).isEmpty();
  }

  @Test
  void idsOfAnotherEpochOrMalformedOrFromTheFutureCannotResume() {
    StreamReplay replay = new StreamReplay("e1", 3);
    replay.append("alert", "{}");
    assertThat(replay.after("e0-1")).isEmpty();
    assertThat(replay.after("e1-2")).isEmpty();
    assertThat(replay.after("e1-x")).isEmpty();
    assertThat(replay.after("e1--1")).isEmpty();
    assertThat(replay.after("oom-3f2a")).isEmpty();
    assertThat(replay.after("")).isEmpty();
  }

  @Test
  void epochMustBeUsable() {
    assertThatThrownBy(() -> new StreamReplay("a-b", 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StreamReplay("a", 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
