package io.porthole.bench;

import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.proto.TransportProtocol;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.UUID;

/**
 * Envelopes shaped as the collector publishes them: flow records of many containers, OOM deaths.
 */
final class Events {

  static final String HOST = "bench-host";

  private Events() {}

  static String containerId(int n) {
    return String.format("%064x", 0xC0FFEE00000000L + n);
  }

  /**
   * A flow of container {@code container % containers}; every {@code failEvery}-th one is a refused
   * connection (SYN answered by RST) to one of three destinations of that container, which the
   * analyzer's connection-failure rule correlates into alerts.
   */
  static EventEnvelope flow(long n, int containers, int failEvery, Instant time) {
    int container = (int) (n % containers);
    boolean failed = failEvery > 0 && n % failEvery == 0;
    TcpFlagCounts.Builder flags = TcpFlagCounts.newBuilder().setSyn(1);
    if (failed) {
      flags.setRst(1).setRstFromDestination(1);
    } else {
      flags.setSynAck(1).setFin(2);
    }
    String address = "172.17." + (container / 250) + "." + (2 + container % 250);
    String destination =
        failed ? "10.9.0." + (n % 3 + 1) : "10.0." + (n % 200) + "." + (n % 250 + 1);
    Instant first = time.minusMillis(120);
    return EventEnvelope.newBuilder()
        .setEventId(new UUID(0xBE4C000000000000L | container, n).toString())
        .setHostId(HOST)
        .setContainerId(containerId(container))
        .setTime(Timestamps.of(time))
        .setCollectorTime(Timestamps.of(time))
        .setFlow(
            FlowRecord.newBuilder()
                .setProtocol(TransportProtocol.TCP)
                .setSourceAddress(address)
                .setSourcePort(32768 + (int) (n % 28000))
                .setDestinationAddress(destination)
                .setDestinationPort(failed ? 5432 : 443)
                .setDirection(FlowDirection.OUTBOUND)
                .setContainerAddress(address)
                .setPacketsForward(failed ? 1 : 7)
                .setPacketsReverse(failed ? 1 : 6)
                .setBytesForward(failed ? 60 : 1420)
                .setBytesReverse(failed ? 54 : 5210)
                .setTcpFlags(flags)
                .setFirstSeen(Timestamps.of(first))
                .setLastSeen(Timestamps.of(time))
                .setEnded(true)
                .setInterface("docker0"))
        .build();
  }

  /** A container killed by the OOM killer: the analyzer raises OOM_KILLED on this die. */
  static EventEnvelope oomDie(String containerId, String name, Instant time) {
    return EventEnvelope.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setHostId(HOST)
        .setContainerId(containerId)
        .setTime(Timestamps.of(time))
        .setCollectorTime(Timestamps.of(time))
        .setContainerEvent(
            ContainerEvent.newBuilder()
                .setAction(ContainerAction.DIE)
                .setRawAction("die")
                .setName(name)
                .setImage("porthole/busybox:test")
                .setExitCode(137)
                .setOomKilled(true)
                .setState("exited")
                .setConfig(
                    ContainerConfig.newBuilder()
                        .setMemoryLimitBytes(16L << 20)
                        .setNetworkMode("bridge")))
        .build();
  }

  /**
   * A container's start, as the collector publishes it: name, image, labels and configuration (what
   * the engine keeps per container).
   */
  static EventEnvelope start(int container, Instant time) {
    return EventEnvelope.newBuilder()
        .setEventId(new UUID(0x57A4000000000000L | container, container).toString())
        .setHostId(HOST)
        .setContainerId(containerId(container))
        .setTime(Timestamps.of(time))
        .setCollectorTime(Timestamps.of(time))
        .setContainerEvent(
            ContainerEvent.newBuilder()
                .setAction(ContainerAction.START)
                .setRawAction("start")
                .setName("bench-" + container)
                .setImage("registry.example/bench/app:1." + (container % 20))
                .putLabels("com.docker.compose.project", "bench")
                .putLabels("com.docker.compose.service", "app-" + (container % 50))
                .setState("running")
                .setConfig(
                    ContainerConfig.newBuilder()
                        .setMemoryLimitBytes(256L << 20)
                        .setNetworkMode("bridge")))
        .build();
  }
}
