package dev.matryoshka.cli;

import java.io.InputStream;
import picocli.CommandLine;

/** Entry point of the {@code matryoshka} command. The only place that calls System.exit. */
public final class Main {
  private Main() {}

  /** Runs the command line and exits with its code: 0 ok, 1 failure, 2 usage. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs without exiting (for tests). */
  public static int run(String... args) {
    CommandLine cl = commandLine();
    return cl.execute(args);
  }

  /** The configured command tree, reading standard input where a command is given {@code -}. */
  public static CommandLine commandLine() {
    return commandLine(System.in);
  }

  /** The configured command tree, reading {@code stdin} where a command is given {@code -}. */
  public static CommandLine commandLine(InputStream stdin) {
    CommandLine cl = new CommandLine(new RootCommand(stdin));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          String name = commandLine.getCommandSpec().qualifiedName();
          commandLine.getErr().println(name + ": error: " + Errors.describe(ex));
          if (System.getenv("MATRYOSHKA_DEBUG") != null) {
            ex.printStackTrace(commandLine.getErr());
          }
          commandLine.getErr().flush();
          return 1;
        });
    return cl;
  }
}
