package dev.matryoshka.cli;

import dev.matryoshka.encode.EncoderOptions;
import picocli.CommandLine.Option;

/** Options shared by every command that runs the text encoder. */
public final class ModelOptions {

  @Option(names = "--model", paramLabel = "NAME|DIR",
      description = "Encoder: bge-small-en-v1.5 (default), bge-small-en-v1.5-q, all-MiniLM-L6-v2, all-MiniLM-L6-v2-q, "
          + "or a folder with model.onnx + tokenizer.json.")
  String model;

  @Option(names = "--threads", paramLabel = "N",
      description = "Encoder threads (default: available processors).")
  Integer threads;

  @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Texts per encoder batch.")
  int batch;

  /** The model name or folder, or {@code fallback} when none was given. */
  String modelOr(String fallback) {
    return model != null ? model : fallback;
  }

  EncoderOptions options() {
    EncoderOptions o = EncoderOptions.defaults().withBatchSize(batch);
    return threads != null ? o.withIntraOpThreads(threads) : o;
  }
}
