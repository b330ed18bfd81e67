package io.porthole.collector.remediation;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Brings proven host-side veths down or up and verifies the effect. Only ever called with {@link
 * VethVerdict}s that {@link VethSafetyCheck} found safe. Blocking.
 */
public final class LinkSwitch {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long SETTLE_MILLIS = 3000;

  private final CommandRunner runner;

  public LinkSwitch(CommandRunner runner) {
    this.runner = Objects.requireNonNull(runner, "runner");
  }

  /**
   * Brings every one of {@code veths} to the wanted state, all or nothing: when one fails, those
   * already changed are set back and the failure says so.
   *
   * @return the veths that were changed (those already in the wanted state are left alone)
   */
  public List<VethVerdict> setAll(List<VethVerdict> veths, boolean up) throws IOException {
    List<VethVerdict> changed = new ArrayList<>();
    try {
      for (VethVerdict veth : veths) {
        if (show(veth.veth()).isAdminUp() == up) {
          continue;
        }
        set(veth, up);
        changed.add(veth);
      }
      return changed;
    } catch (IOException | RuntimeException e) {
      if (changed.isEmpty()) {
        throw new RemediationFailed(describe(e) + "; no other interface had been changed", e);
      }
      List<String> errors = new ArrayList<>();
      List<VethVerdict> leftChanged = undo(changed, up, errors);
      String back = up ? "down" : "up";
      if (leftChanged.isEmpty()) {
        throw new RemediationFailed(
            describe(e)
                + "; "
                + changed.stream().map(VethVerdict::veth).toList()
                + " brought back "
                + back,
            e);
      }
      throw new LinksLeftChanged(
          describe(e) + "; could not bring back " + back + ": " + errors, e, leftChanged);
    }
  }

  /** Sets the changed links back; those that could not be, with their errors in {@code errors}. */
  private List<VethVerdict> undo(List<VethVerdict> changed, boolean up, List<String> errors) {
    List<VethVerdict> failed = new ArrayList<>();
    for (VethVerdict veth : changed) {
      try {
        set(veth, !up);
      } catch (IOException | RuntimeException e) {
        failed.add(veth);
        errors.add(veth.veth() + " (" + describe(e) + ")");
      }
    }
    return failed;
  }

  private static String describe(Throwable e) {
    return e instanceof RemediationFailed ? e.getMessage() : e.toString();
  }

  /** Sets the link down ({@code up=false}) or up and returns its state once it shows the change. */
  public IpLink set(VethVerdict veth, boolean up) throws IOException {
    if (!veth.isSafe()) {
      throw new IllegalArgumentException("refusing an unproven interface: " + veth.refusal());
    }
    ProcessOutput output =
        runner.run(List.of("ip", "link", "set", "dev", veth.veth(), up ? "up" : "down"), TIMEOUT);
    if (!output.succeeded()) {
      throw new RemediationFailed(output.describe());
    }
    return awaitState(veth, up);
  }

  /** The link as it is now. */
  public IpLink show(String name) throws IOException {
    ProcessOutput output =
        runner.run(List.of("ip", "-d", "-o", "link", "show", "dev", name), TIMEOUT);
    if (!output.succeeded()) {
      throw new RemediationFailed(output.describe());
    }
    return IpOutputParser.parseLink(output.stdout());
  }

  // Down: the flag and operstate DOWN at once. Up: the flag at once, operstate UP when the peer is
  // up.
  private static boolean inState(IpLink link, boolean up) {
    return up
        ? link.isAdminUp() && !"DOWN".equals(link.state())
        : !link.isAdminUp() && "DOWN".equals(link.state());
  }

  private IpLink awaitState(VethVerdict veth, boolean up) throws IOException {
    long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
    while (true) {
      IpLink link = show(veth.veth());
      if (link.index() != veth.index()) {
        throw new RemediationFailed(
            "interface "
                + veth.veth()
                + " changed index from "
                + veth.index()
                + " to "
                + link.index());
      }
      if (inState(link, up)) {
        return link;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new RemediationFailed(
            veth.veth()
                + " did not go "
                + (up ? "up" : "down")
                + ": flags "
                + link.flags()
                + ", state "
                + link.state());
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
