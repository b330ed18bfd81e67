package io.porthole.app;

/**
 * Messages as the one line the command line prints: the first message in the cause chain,
 * flattened.
 */
public final class OneLine {

  private OneLine() {}

  public static String of(Throwable e) {
    Throwable cause = e;
    while (cause.getMessage() == null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return of(message);
  }

  public static String of(String message) {
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
