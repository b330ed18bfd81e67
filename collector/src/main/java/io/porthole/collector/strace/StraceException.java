package io.porthole.collector.strace;

/**
 * Tracing could not start or went wrong; the message says why (missing binary, failed attach, ...).
 */
public class StraceException extends Exception {

  public StraceException(String message) {
    super(message);
  }
}
