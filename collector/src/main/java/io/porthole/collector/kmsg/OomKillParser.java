package io.porthole.collector.kmsg;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises OOM kills of tasks in Docker containers in the kernel's log. The kernel (4.19 and
 * later) logs every kill as two records, one right after the other (the first wrapped here):
 *
 * <pre>
 * oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=ID,mems_allowed=0,
 *     oom_memcg=/docker/ID,task_memcg=/docker/ID,task=dd,pid=10557,uid=0
 * Memory cgroup out of memory: Killed process 10557 (dd) total-vm:67804kB, anon-rss:15872kB, ...
 * </pre>
 *
 * (the second says {@code Out of memory: Killed process} when the whole host ran out). The
 * container is found in {@code task_memcg} ({@code /docker/<id>} with the cgroupfs driver, {@code
 * /system.slice/docker-<id>.scope} with systemd's), else in {@code oom_memcg}. A kill is returned
 * with the second record (which adds the memory figures); an {@code oom-kill:} record that no
 * "Killed process" record of the same pid follows is returned with the next record or {@link
 * #flush}. Kills of tasks outside containers are counted ({@link #hostKills}) and not returned.
 * Plain Java, not thread-safe.
 */
public final class OomKillParser {

  private static final String OOM_KILL = "oom-kill:";
  private static final Pattern CONTAINER_CGROUP =
      Pattern.compile("docker[-/]([0-9a-f]{64})(?:\\.scope)?(?:/|$)");
  private static final Pattern KILLED =
      Pattern.compile(
          "(?:Memory cgroup out of memory|Out of memory(?: \\(oom_kill_allocating_task\\))?): "
              + "Killed process (\\d+) \\((.*?)\\)\\s*(.*)");

  private OomKill pending;
  private long hostKills;

  /**
   * Reads one record; returns a kill when this record completes one (or shows that the one before
   * will get no "Killed process" record).
   */
  public Optional<OomKill> accept(KmsgRecord record) {
    String message = record.message();
    if (message.startsWith(OOM_KILL)) {
      Optional<OomKill> previous = flush();
      pending = parseOomKill(record);
      return previous;
    }
    Matcher killed = KILLED.matcher(message);
    if (killed.matches()
        && pending != null
        && String.valueOf(pending.pid()).equals(killed.group(1))) {
      OomKill kill = pending.withMemory(killed.group(3).trim());
      pending = null;
      return Optional.of(kill);
    }
    return flush();
  }

  /** The sequence number of the kill still waiting for its "Killed process" record, if any. */
  public OptionalLong pendingSequence() {
    return pending == null ? OptionalLong.empty() : OptionalLong.of(pending.sequence());
  }

  /** The kill still waiting for its "Killed process" record, if any. */
  public Optional<OomKill> flush() {
    OomKill kill = pending;
    pending = null;
    return Optional.ofNullable(kill);
  }

  /** OOM kills of tasks that are in no Docker container's cgroup. */
  public long hostKills() {
    return hostKills;
  }

  private OomKill parseOomKill(KmsgRecord record) {
    Map<String, String> fields = fields(record.message().substring(OOM_KILL.length()));
    String taskMemcg = fields.getOrDefault("task_memcg", "");
    String oomMemcg = fields.getOrDefault("oom_memcg", "");
    Optional<String> container = containerOf(taskMemcg).or(() -> containerOf(oomMemcg));
    if (container.isEmpty()) {
      hostKills++;
      return null;
    }
    return new OomKill(
        container.get(),
        fields.getOrDefault("task", ""),
        integer(fields.get("pid")),
        integer(fields.get("uid")),
        fields.getOrDefault("constraint", ""),
        oomMemcg,
        taskMemcg,
        record.sequence(),
        record.monotonicMicros(),
        "");
  }

  /** The container id in a cgroup path, if it is (under) a Docker container's cgroup. */
  public static Optional<String> containerOf(String cgroupPath) {
    Matcher m = CONTAINER_CGROUP.matcher(cgroupPath);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * {@code key=value} pairs separated by commas. Values hold no commas except {@code nodemask} and
   * {@code cpuset}/{@code mems_allowed} lists ("0-3,5"): a part without '=' continues the value
   * before.
   */
  private static Map<String, String> fields(String text) {
    Map<String, String> fields = new HashMap<>();
    String lastKey = null;
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        lastKey = part.substring(0, eq);
        fields.put(lastKey, part.substring(eq + 1));
      } else if (lastKey != null) {
        fields.put(lastKey, fields.get(lastKey) + "," + part);
      }
    }
    return fields;
  }

  private static int integer(String text) {
    if (text == null) {
      return 0;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
