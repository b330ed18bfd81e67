package io.porthole.collector.remediation;

/** The command must not be carried out (unsafe, not allowed, out of bounds): a REJECTED result. */
public final class RemediationRefused extends RuntimeException {

  public RemediationRefused(String reason) {
    super(reason, null, false, false);
  }
}
