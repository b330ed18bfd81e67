package io.porthole.collector.packets;

import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.runtime.Settings;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Starts a packet source on docker0 and prints how the start ended; {@link
 * PacketCapturePermissionIT} runs it in a JVM without CAP_NET_RAW and CAP_NET_ADMIN.
 */
public final class UnprivilegedCaptureMain {

  private UnprivilegedCaptureMain() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      PacketCaptureSource source =
          new PacketCaptureSource(
              vertx,
              CaptureConfig.from(Settings.of(Map.of())),
              new ContainerDirectory(),
              (topic, envelope) -> {},
              new CollectorStats(),
              "it-host");
      try {
        source.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("STARTED");
      } catch (ExecutionException e) {
        System.out.println("START FAILED: " + e.getCause().getMessage());
      }
      source.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      System.out.println("STILL RUNNING");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
