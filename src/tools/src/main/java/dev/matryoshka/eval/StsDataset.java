package dev.matryoshka.eval;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A semantic textual similarity set: sentence pairs with a gold similarity score from 0 to 5.
 *
 * <p>The file is {@code score<TAB>sentence1<TAB>sentence2} per line with an optional header line.
 * Fields are split on tabs only and {@code "} is an ordinary character: STS-B has sentences with
 * unbalanced quotes, and a CSV reader that honours quotes silently swallows 260 of the 1,379 test
 * pairs. The upstream STS-B layout ({@code genre, file, year, id, score, sentence1, sentence2},
 * sometimes followed by source fields) is read too.
 *
 * <pre>{@code
 * StsDataset sts = StsDataset.load(Path.of("data/stsb"));          // reads sts-test.tsv
 * StsDataset dev = StsDataset.load(Path.of("data/stsb/sts-dev.tsv")); // or any file
 * }</pre>
 */
public final class StsDataset {
  /**
   * One scored pair.
   *
   * @param score gold similarity, 0 (unrelated) to 5 (equivalent)
   * @param sentence1 first sentence, as in the file
   * @param sentence2 second sentence, as in the file
   */
  public record Pair(double score, String sentence1, String sentence2) {}

  /** Inclusive lower bound of the gold score. */
  public static final double MIN_SCORE = 0.0;

  /** Inclusive upper bound of the gold score. */
  public static final double MAX_SCORE = 5.0;

  /** The file read when {@link #load} is given a folder. */
  public static final String DEFAULT_FILE = "sts-test.tsv";

  private final String name;
  private final List<Pair> pairs;

  private StsDataset(String name, List<Pair> pairs) {
    this.name = name;
    this.pairs = pairs;
  }

  /**
   * Reads an STS file, or {@value #DEFAULT_FILE} in a folder (or the folder's only {@code .tsv}
   * file if it has no {@value #DEFAULT_FILE}).
   *
   * @throws IOException if the file is missing or a line is malformed; the message names the file
   *     and line
   */
  public static StsDataset load(Path dirOrFile) throws IOException {
    Objects.requireNonNull(dirOrFile, "dirOrFile");
    Path file = resolve(dirOrFile);
    List<Pair> pairs = new ArrayList<>();
    BeirDataset.forEachLine(file, (lineNo, line) -> {
      String[] f = line.split("\t", -1);
      int scoreAt;
      if (f.length == 3) {
        scoreAt = 0;
      } else if (f.length >= 7) {
        scoreAt = 4; // upstream STS-B layout
      } else {
        throw new IOException(file + " line " + lineNo
            + ": expected 3 tab-separated fields (score, sentence1, sentence2); got " + f.length);
      }
      double score;
      try {
        score = Double.parseDouble(f[scoreAt].strip());
      } catch (NumberFormatException e) {
        if (lineNo == 1) {
          return; // header
        }
        throw new IOException(file + " line " + lineNo + ": score is not a number: '" + f[scoreAt] + "'");
      }
      if (!(score >= MIN_SCORE && score <= MAX_SCORE)) {
        throw new IOException(file + " line " + lineNo + ": score must be in "
            + MIN_SCORE + ".." + MAX_SCORE + "; got " + f[scoreAt]);
      }
      pairs.add(new Pair(score, f[scoreAt + 1], f[scoreAt + 2]));
    });
    if (pairs.size() < 2) {
      throw new IOException(file + ": needs at least 2 scored pairs; got " + pairs.size());
    }
    Path dirName = file.toAbsolutePath().getParent().getFileName();
    return new StsDataset(
        dirName == null ? file.getFileName().toString() : dirName.toString(),
        Collections.unmodifiableList(pairs));
  }

  private static Path resolve(Path dirOrFile) throws IOException {
    if (!Files.isDirectory(dirOrFile)) {
      if (!Files.isRegularFile(dirOrFile)) {
        throw new NoSuchFileException(dirOrFile.toString(), null, "STS file or folder not found");
      }
      return dirOrFile;
    }
    Path preferred = dirOrFile.resolve(DEFAULT_FILE);
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    List<Path> tsv = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirOrFile, "*.tsv")) {
      ds.forEach(tsv::add);
    }
    if (tsv.size() != 1) {
      throw new NoSuchFileException(dirOrFile.toString(), null, "no " + DEFAULT_FILE
          + " and " + tsv.size() + " other .tsv files; pass the file itself");
    }
    return tsv.get(0);
  }

  /** The folder name the pairs came from, e.g. {@code stsb}. */
  public String name() {
    return name;
  }

  /** All pairs in file order. */
  public List<Pair> pairs() {
    return pairs;
  }

  /** Number of pairs. */
  public int size() {
    return pairs.size();
  }

  /** First sentences, aligned with {@link #pairs()}. */
  public List<String> sentences1() {
    return pairs.stream().map(Pair::sentence1).toList();
  }

  /** Second sentences, aligned with {@link #pairs()}. */
  public List<String> sentences2() {
    return pairs.stream().map(Pair::sentence2).toList();
  }

  /** Gold scores, aligned with {@link #pairs()}. */
  public double[] scores() {
    return pairs.stream().mapToDouble(Pair::score).toArray();
  }

  @Override
  public String toString() {
    return "StsDataset(name=" + name + ", pairs=" + pairs.size() + ")";
  }
}
