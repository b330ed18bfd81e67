package io.porthole.collector.remediation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Brings a proven host-side veth down or up and verifies the effect. Only ever called with a
 * {@link VethVerdict} that {@link VethSafetyCheck} found safe. Blocking.
 */
public final class LinkSwitch {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long SETTLE_MILLIS = 3000;

  private final CommandRunner runner;

  public LinkSwitch(CommandRunner runner) {
    this.runner = Objects.requireNonNull(runner, "runner");
  }

  /** Sets the link down ({@code up=false}) or up and returns its state once it shows the change. */
  public IpLink set(VethVerdict veth, boolean up) throws IOException {
    if (!veth.isSafe()) {
      throw new IllegalArgumentException("refusing an unproven interface: " + veth.refusal());
    }
    ProcessOutput output = runner.run(List.of("ip", "link", "set", "dev", veth.veth(), up ? "up" : "down"), TIMEOUT);
    if (!output.succeeded()) {
      throw new RemediationFailed(output.describe());
    }
    return awaitState(veth, up);
  }

  /** The link as it is now. */
  public IpLink show(String name) throws IOException {
    ProcessOutput output = runner.run(List.of("ip", "-d", "-o", "link", "show", "dev", name), TIMEOUT);
    if (!output.succeeded()) {
      throw new RemediationFailed(output.describe());
    }
    return IpOutputParser.parseLink(output.stdout());
  }

  private IpLink awaitState(VethVerdict veth, boolean up) throws IOException {
    long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
    while (true) {
      IpLink link = show(veth.veth());
      if (link.index() != veth.index()) {
        throw new RemediationFailed("interface " + veth.veth() + " changed index from " + veth.index() + " to " + link.index());
      }
      // Down: the flag and operstate DOWN at once. Up: the flag at once, operstate UP when the peer is up.
      boolean reached = up ? link.isAdminUp() && !"DOWN".equals(link.state()) : !link.isAdminUp() && "DOWN".equals(link.state());
      if (reached) {
        return link;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new RemediationFailed(
            veth.veth() + " did not go " + (up ? "up" : "down") + ": flags " + link.flags() + ", state " + link.state());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + veth.veth(), e);
      }
    }
  }
}
