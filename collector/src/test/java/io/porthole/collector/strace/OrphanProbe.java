package io.porthole.collector.strace;

import io.porthole.collector.CollectorStats;
import io.porthole.runtime.Executables;
import java.time.Duration;

/**
 * Run in a child JVM by {@link SyscallTracerIT}: traces the processes of one container exactly as
 * the tracer does, prints {@code STRACE <pid>}, and waits to be killed.
 */
public final class OrphanProbe {

  public static void main(String[] args) throws Exception {
    String containerId = args[0];
    int mainPid = Integer.parseInt(args[1]);
    StraceCommand command =
        new StraceCommand(
            Executables.find("strace").orElseThrow().toString(), "%file,%process", true);
    SyscallBatcher batcher =
        new SyscallBatcher(
            "probe",
            containerId,
            "probe",
            Duration.ofMillis(250),
            100,
            System::currentTimeMillis,
            e -> {});
    TraceSession session =
        new TraceSession(
            containerId,
            mainPid,
            "probe",
            command,
            new ContainerProcesses(),
            batcher,
            new CollectorStats());
    session.attach(Duration.ofSeconds(10));
    System.out.println("STRACE " + session.strace().orElseThrow().pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // not polling: the test kills this JVM to orphan its strace
  }
}
