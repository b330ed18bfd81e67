package io.porthole.analyzer.engine;

/** A record decoded but does not make sense as an event of its topic (no host, wrong body, ...). */
public class InvalidEventException extends RuntimeException {

  public InvalidEventException(String message) {
    super(message);
  }
}
