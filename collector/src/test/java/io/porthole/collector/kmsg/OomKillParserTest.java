package io.porthole.collector.kmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** On /dev/kmsg records recorded here (docker run --memory 16m --memory-swap 16m ... dd bs=64M). */
class OomKillParserTest {

  private static final String ID =
      "b71199844c79856dc212d64b1e140fadd77e88efd062e1c42b437f73c567b654";

  static List<String> recorded(String name) throws IOException {
    try (InputStream in = OomKillParserTest.class.getResourceAsStream("/kmsg/" + name)) {
      return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
  }

  private static List<OomKill> parseAll(List<String> lines) {
    OomKillParser parser = new OomKillParser();
    List<OomKill> kills = new ArrayList<>();
    for (String line : lines) {
      KmsgRecord.parse(line).flatMap(parser::accept).ifPresent(kills::add);
    }
    parser.flush().ifPresent(kills::add);
    return kills;
  }

  @Test
  void theRecordedOomKillOfDdInAContainerIsOneKillWithTaskPidCgroupsAndMemory() throws IOException {
    List<OomKill> kills = parseAll(recorded("oom-kill-cgroupfs.txt"));

    assertThat(kills).hasSize(1);
    OomKill kill = kills.get(0);
    assertThat(kill.containerId()).isEqualTo(ID);
    assertThat(kill.task()).isEqualTo("dd");
    assertThat(kill.pid()).isEqualTo(13145);
    assertThat(kill.uid()).isZero();
    assertThat(kill.constraint()).isEqualTo("CONSTRAINT_MEMCG");
    assertThat(kill.oomMemcg()).isEqualTo("/docker/" + ID);
    assertThat(kill.taskMemcg()).isEqualTo("/docker/" + ID);
    assertThat(kill.sequence()).isEqualTo(1410);
    assertThat(kill.monotonicMicros()).isEqualTo(522965386L);
    assertThat(kill.memory()).startsWith("total-vm:67804kB, anon-rss:15872kB");
  }

  @Test
  void aRecordIsPrioritySequenceMicrosAndMessageAndContinuationLinesAreNotRecords()
      throws IOException {
    List<String> lines = recorded("continuation-lines.txt");
    KmsgRecord record = KmsgRecord.parse(lines.get(0)).orElseThrow();
    assertThat(record.priority()).isEqualTo(6);
    assertThat(record.sequence()).isEqualTo(193);
    assertThat(record.monotonicMicros()).isEqualTo(323042);
    assertThat(record.message()).startsWith("acpi PNP0A08:00: _OSC: OS supports");
    assertThat(KmsgRecord.parse(lines.get(1))).isEmpty(); // " SUBSYSTEM=acpi"
    assertThat(KmsgRecord.parse(lines.get(0) + "\n" + lines.get(1) + "\n" + lines.get(2)))
        .contains(record); // one read(2) returns the record with its continuation lines
    assertThat(parseAll(lines)).isEmpty();
  }

  @Test
  void theSystemdDriversScopeAndNestedCgroupsNameTheContainer() {
    assertThat(OomKillParser.containerOf("/system.slice/docker-" + ID + ".scope")).contains(ID);
    assertThat(OomKillParser.containerOf("/docker/" + ID + "/child")).contains(ID);
    assertThat(OomKillParser.containerOf("/user.slice/user-1000.slice")).isEmpty();
    assertThat(OomKillParser.containerOf("/docker/" + ID.substring(1))).isEmpty();
  }

  @Test
  void aHostOutOfMemoryKillInAContainerIsSeenAndAKillOutsideContainersIsOnlyCounted() {
    OomKillParser parser = new OomKillParser();
    Optional<OomKill> none =
        parser.accept(
            record(
                7,
                "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
                    + "mems_allowed=0-1,global_oom,task_memcg=/user.slice,task=java,pid=99,"
                    + "uid=1000"));
    assertThat(none).isEmpty();
    assertThat(parser.accept(record(8, "Out of memory: Killed process 99 (java) total-vm:1kB")))
        .isEmpty();
    assertThat(parser.hostKills()).isEqualTo(1);

    parser.accept(
        record(
            9,
            "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset="
                + ID
                + ",mems_allowed=0,"
                + "global_oom,task_memcg=/system.slice/docker-"
                + ID
                + ".scope,task=sh,pid=7,uid=0"));
    Optional<OomKill> kill =
        parser.accept(record(10, "Out of memory: Killed process 7 (sh) total-vm:2kB"));
    assertThat(kill).map(OomKill::containerId).contains(ID);
    assertThat(kill).map(OomKill::constraint).contains("CONSTRAINT_NONE");
  }

  @Test
  void anOomKillWithoutItsKilledProcessRecordIsStillReportedWithTheNextRecord() {
    OomKillParser parser = new OomKillParser();
    assertThat(
            parser.accept(
                record(
                    1,
                    "oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/"
                        + ID
                        + ",task_memcg=/docker/"
                        + ID
                        + ",task=dd,pid=5,uid=0")))
        .isEmpty();
    Optional<OomKill> kill =
        parser.accept(record(2, "docker0: port 1(veth1) entered disabled state"));
    assertThat(kill).map(OomKill::pid).contains(5);
    assertThat(kill).map(OomKill::memory).contains("");
  }

  @Test
  void garbageIsNoRecordAndEscapedBytesAreDecoded() {
    assertThat(KmsgRecord.parse("")).isEmpty();
    assertThat(KmsgRecord.parse("no semicolon")).isEmpty();
    assertThat(KmsgRecord.parse("a,b,c,-;text")).isEmpty();
    assertThat(KmsgRecord.parse("6,1;too short")).isEmpty();
    assertThat(KmsgRecord.parse("6,5,10,-;tab\\x09and \\xc3\\xa9").orElseThrow().message())
        .isEqualTo("tab\tand é");
  }

  private static KmsgRecord record(long sequence, String message) {
    return new KmsgRecord(6, sequence, 1000 + sequence, message);
  }
}
