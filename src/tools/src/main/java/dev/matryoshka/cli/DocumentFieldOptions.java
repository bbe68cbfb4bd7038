package dev.matryoshka.cli;

import picocli.CommandLine.Option;

/**
 * Where a source document keeps its id and its text: shared by {@code index}, {@code reindex} and
 * {@code train-adapter}, which all read documents through the same rules (JSONL members, or the
 * stored fields of an index being reindexed).
 */
public final class DocumentFieldOptions {

  @Option(names = "--id-field", paramLabel = "NAME", description = "Member or field holding the id (default: id, else _id).")
  String idField;

  @Option(names = "--text-field", paramLabel = "NAME",
      description = "Member or field holding the text to encode (default: BEIR title + \" \" + text).")
  String textField;
}
