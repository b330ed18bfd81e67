package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

  @Test
  void runsAtMostTheLimitAndStartsTheWaitingInOrderAsOthersFinish() {
    ConcurrencyLimit limit = new ConcurrencyLimit(2);
    List<Promise<String>> tasks = new ArrayList<>();
    List<String> started = new ArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String name = "task-" + i;
      Promise<String> task = Promise.promise();
      tasks.add(task);
      results.add(
          limit.submit(
              () -> {
                started.add(name);
                return task.future();
              }));
    }

    assertThat(started).containsExactly("task-0", "task-1");
    assertThat(limit.running()).isEqualTo(2);

    tasks.get(1).fail("extraction failed");
    assertThat(started).containsExactly("task-0", "task-1", "task-2");
    assertThat(results.get(1).failed()).isTrue();

    tasks.get(0).complete("a");
    tasks.get(2).complete("c");
    tasks.get(3).complete("d");
    assertThat(started).hasSize(4);
    assertThat(results.get(3).result()).isEqualTo("d");
    assertThat(limit.running()).isZero();
  }
}
