package io.porthole.app.kafka;

/** A port Porthole was told to listen on is taken by another process. */
public final class PortInUseException extends RuntimeException {

  public PortInUseException(String host, int port, String what) {
    super(
        "port "
            + port
            + " on "
            + host
            + " is already in use, so "
            + what
            + " cannot listen there: stop the process using it (ss -ltnp 'sport = :"
            + port
            + "') or choose another port");
  }
}
