package io.porthole.controller.view;

import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Mount;
import io.porthole.proto.NetworkAttachment;
import io.porthole.wire.Timestamps;
import java.time.Instant;

/** Container events as a collector publishes them. */
final class ViewFixtures {

  static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");

  private ViewFixtures() {}

  static EventEnvelope event(
      String host,
      String id,
      String name,
      ContainerAction action,
      String state,
      String networkMode,
      Instant time) {
    ContainerEvent.Builder event =
        ContainerEvent.newBuilder().setAction(action).setName(name).setImage("busybox");
    if (state != null) {
      event.setState(state);
    }
    if (networkMode != null) {
      event.setConfig(
          ContainerConfig.newBuilder().setNetworkMode(networkMode).setMemoryLimitBytes(64L << 20));
      event.addNetworks(
          NetworkAttachment.newBuilder().setNetwork("bridge").setIpv4Address("172.17.0.2"));
    }
    return EventEnvelope.newBuilder()
        .setEventId(id + "-" + action + "-" + time)
        .setHostId(host)
        .setContainerId(id)
        .setTime(Timestamps.of(time))
        .setContainerEvent(event)
        .build();
  }

  static EventEnvelope running(String host, String id, String name, String networkMode) {
    return event(host, id, name, ContainerAction.START, "running", networkMode, T0);
  }

  static EventEnvelope privilegedWithRootMount(String host, String id) {
    EventEnvelope base = running(host, id, "danger", "host");
    ContainerConfig config =
        base.getContainerEvent().getConfig().toBuilder()
            .setPidMode("host")
            .setPrivileged(true)
            .setMemoryLimitBytes(0)
            .addMounts(Mount.newBuilder().setType("bind").setSource("/").setDestination("/host"))
            .build();
    return base.toBuilder()
        .setContainerEvent(base.getContainerEvent().toBuilder().setConfig(config))
        .build();
  }
}
