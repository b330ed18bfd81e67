package io.porthole.collector.remediation;

/**
 * The command was allowed but could not be carried out (missing image or path, ...): a FAILED
 * result.
 */
public class RemediationFailed extends RuntimeException {

  public RemediationFailed(String detail) {
    super(detail, null, false, false);
  }

  public RemediationFailed(String detail, Throwable cause) {
    super(detail, cause, false, false);
  }
}
