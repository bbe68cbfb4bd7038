package dev.matryoshka.cli;

import java.io.InputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code matryoshka}: the root command; prints usage when called without a subcommand. */
@Command(
    name = "matryoshka",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Matryoshka search for Lucene: full vectors stored, a short prefix indexed in HNSW,",
      "candidates reranked with the full vectors."
    },
    subcommands = {
      DemoCommand.class,
      IndexCommand.class,
      SearchCommand.class,
      InspectCommand.class,
      TuneCommand.class,
      EvalCommand.class,
      TrainAdapterCommand.class,
      ReindexCommand.class,
      EvalOpenSearchCommand.class,
      BenchCommand.class,
      picocli.CommandLine.HelpCommand.class
    })
public final class RootCommand implements Runnable {
  @Spec CommandSpec spec;

  private final InputStream stdin;

  /** Reading {@link System#in} where a subcommand is given {@code -}. */
  public RootCommand() {
    this(System.in);
  }

  /** Reading {@code stdin} where a subcommand is given {@code -} (tests feed their own). */
  public RootCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  /** What {@code -} reads. */
  InputStream stdin() {
    return stdin;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand");
  }
}
