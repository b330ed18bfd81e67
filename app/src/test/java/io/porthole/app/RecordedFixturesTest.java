package io.porthole.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.EventEnvelope;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Timestamps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer's recorded fixtures (analyzer/src/test/resources/fixtures: NAME.envelopes.jsonl
 * beside NAME.strace or NAME.pcap) are what {@code porthole replay} makes of their recordings
 * today, so they cannot drift from the collector's parsers. The replay runs in-process, in UTC as
 * the fixtures were recorded; event ids (random) and collector times (the wall clock) are not
 * compared.
 */
class RecordedFixturesTest {

  private static TimeZone zone;

  @TempDir Path temp;

  @BeforeAll
  static void recordedInUtc() {
    zone = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone(ZoneOffset.UTC));
  }

  @AfterAll
  static void restoreZone() {
    TimeZone.setDefault(zone);
  }

  @TestFactory
  Stream<DynamicTest> everyFixtureIsWhatReplayMakesOfItsRecording() throws IOException {
    return fixtures()
        .map(
            fixture ->
                DynamicTest.dynamicTest(
                    fixture.getFileName().toString(), () -> replaysAsStored(fixture)));
  }

  private static Stream<Path> fixtures() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("analyzer"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the repository root above the working directory").isNotNull();
    List<Path> fixtures;
    try (Stream<Path> files =
        Files.list(dir.resolve("analyzer/src/test/resources/fixtures"))
            .filter(f -> f.getFileName().toString().endsWith(".envelopes.jsonl"))) {
      fixtures = files.sorted().toList();
    }
    assertThat(fixtures).isNotEmpty();
    return fixtures.stream();
  }

  private void replaysAsStored(Path fixture) throws IOException {
    String name = fixture.getFileName().toString().replace(".envelopes.jsonl", "");
    List<EventEnvelope> stored = read(Files.readAllLines(fixture, StandardCharsets.UTF_8));
    assertThat(stored).as(fixture + " holds envelopes").isNotEmpty();
    Path strace = fixture.resolveSibling(name + ".strace");
    Path pcap = fixture.resolveSibling(name + ".pcap");
    List<String> args =
        new ArrayList<>(List.of("replay", "--host-id", "recorded", "--container-id", "recorded"));
    if (Files.exists(strace)) {
      // strace -tt prints no date: the replay takes the file's day, that of the stored recording.
      LocalDate day =
          LocalDate.ofInstant(Timestamps.toInstant(stored.get(0).getTime()), ZoneOffset.UTC);
      Path copy = Files.copy(strace, temp.resolve(strace.getFileName()));
      Files.setLastModifiedTime(
          copy, FileTime.from(day.atTime(LocalTime.NOON).toInstant(ZoneOffset.UTC)));
      args.addAll(List.of("--strace", copy.toString()));
    } else {
      assertThat(pcap).as("the recording of " + fixture).exists();
      args.addAll(
          List.of(
              "--pcap",
              pcap.toString(),
              "--container-ip",
              stored.get(0).getFlow().getContainerAddress()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exit =
        Porthole.run(
            new ModuleServices(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args.toArray(String[]::new));

    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    List<EventEnvelope> replayed = read(out.toString(StandardCharsets.UTF_8).lines().toList());
    assertThat(replayed.stream().map(RecordedFixturesTest::comparable).toList())
        .as(
            fixture
                + " is out of date: regenerate it (analyzer/src/test/resources/fixtures/README.md)")
        .containsExactlyElementsOf(stored.stream().map(RecordedFixturesTest::comparable).toList());
  }

  private static List<EventEnvelope> read(List<String> lines) {
    return lines.stream()
        .filter(line -> !line.isBlank())
        .<EventEnvelope>map(line -> ProtoJson.fromJson(line, EventEnvelope.newBuilder()))
        .toList();
  }

  /** One line of JSON without the event id and the collector time. */
  private static String comparable(EventEnvelope envelope) {
    return ProtoJson.toJson(envelope.toBuilder().clearEventId().clearCollectorTime().build());
  }
}
