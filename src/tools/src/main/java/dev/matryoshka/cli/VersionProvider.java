package dev.matryoshka.cli;

import picocli.CommandLine.IVersionProvider;

/** Version string from the jar manifest (or "dev" when run from classes). */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = RootCommand.class.getPackage().getImplementationVersion();
    return new String[] {
      "matryoshka " + (v == null ? "dev" : v),
      "Lucene " + org.apache.lucene.util.Version.LATEST + ", Java " + Runtime.version()
    };
  }
}
