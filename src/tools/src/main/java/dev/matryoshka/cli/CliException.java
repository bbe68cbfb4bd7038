package dev.matryoshka.cli;

/** A failure whose message is meant for the user as is (exit code 1). */
public final class CliException extends RuntimeException {
  /** With a user-facing message. */
  public CliException(String message) {
    super(message);
  }

  /** With a user-facing message and the cause kept. */
  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
