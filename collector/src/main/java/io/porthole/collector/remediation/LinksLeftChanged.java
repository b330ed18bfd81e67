package io.porthole.collector.remediation;

import java.util.List;

/**
 * Changing a set of links failed, and bringing back the ones already changed failed too: those stay
 * as the failed change left them. Whoever recorded the change must not forget it.
 */
public final class LinksLeftChanged extends RemediationFailed {

  private final transient List<VethVerdict> leftChanged;

  LinksLeftChanged(String detail, Throwable cause, List<VethVerdict> leftChanged) {
    super(detail, cause);
    this.leftChanged = List.copyOf(leftChanged);
  }

  /** The links that could not be brought back. */
  public List<VethVerdict> leftChanged() {
    return leftChanged;
  }
}
