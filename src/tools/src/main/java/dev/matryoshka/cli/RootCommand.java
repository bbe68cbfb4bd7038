package dev.matryoshka.cli;

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
      BenchCommand.class,
      picocli.CommandLine.HelpCommand.class
    })
public final class RootCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand");
  }
}
