package io.porthole.app;

/**
 * A failure the command reports as one line (what is wrong and how to fix it) with an exit code:
 * {@link #FAILURE} or {@link #USAGE}.
 */
public final class CliFailure extends RuntimeException {

  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  private final int exitCode;

  public CliFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliFailure(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public static CliFailure failure(String message) {
    return new CliFailure(FAILURE, message);
  }

  public static CliFailure usage(String message) {
    return new CliFailure(USAGE, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
