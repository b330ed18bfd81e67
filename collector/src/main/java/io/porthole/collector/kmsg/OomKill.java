package io.porthole.collector.kmsg;

/**
 * One OOM kill in a Docker container as the kernel logged it.
 *
 * @param containerId the full id of the container whose cgroup the killed task was in
 * @param constraint CONSTRAINT_MEMCG (the container's memory limit), CONSTRAINT_NONE (the host),
 *     ...
 * @param memory the "Killed process" line's figures ({@code total-vm:...}), empty when not logged
 * @param sequence the kmsg sequence number of the {@code oom-kill:} record
 */
public record OomKill(
    String containerId,
    String task,
    int pid,
    int uid,
    String constraint,
    String oomMemcg,
    String taskMemcg,
    long sequence,
    long monotonicMicros,
    String memory) {

  OomKill withMemory(String figures) {
    return new OomKill(
        containerId,
        task,
        pid,
        uid,
        constraint,
        oomMemcg,
        taskMemcg,
        sequence,
        monotonicMicros,
        figures);
  }
}
