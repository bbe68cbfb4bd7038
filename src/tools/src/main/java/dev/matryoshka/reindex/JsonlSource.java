package dev.matryoshka.reindex;

import dev.matryoshka.index.JsonlDocuments;
import dev.matryoshka.index.SourceDocument;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A JSON Lines file (BEIR corpus, text, or precomputed vectors) as a reindex source. The position
 * is the line number, so a resumed run re-reads and drops the lines a checkpoint covers; a
 * malformed line or a line without id becomes a skip record with its line number.
 */
final class JsonlSource implements ReindexSource {
  private final Path file;
  private final ReindexOptions options;
  private final Vectors vectors;
  private final JsonlDocuments docs;
  private long resumeLine;

  JsonlSource(Path file, ReindexOptions options) throws IOException {
    this.file = file.toAbsolutePath().normalize();
    this.options = options;
    this.vectors = probe();
    this.docs = open();
  }

  private JsonlDocuments open() throws IOException {
    return new JsonlDocuments(file, options.idField, options.textField, options.vectorField);
  }

  /** The first document with a vector decides vector mode; text mode otherwise. */
  private Vectors probe() throws IOException {
    try (JsonlDocuments d = open()) {
      for (int seen = 0; seen < 1000; ) {
        SourceDocument doc;
        try {
          doc = d.next();
        } catch (IllegalArgumentException e) {
          continue; // counted when the line is read for real
        }
        if (doc == null) {
          return null;
        }
        seen++;
        if (doc.vector() != null) {
          String field = options.vectorField == null ? "vector" : options.vectorField;
          return Vectors.plain(field, doc.vector().length, null);
        }
        if (doc.text() != null) {
          return null;
        }
      }
      return null;
    }
  }

  @Override
  public String identity() {
    return "jsonl:" + file;
  }

  @Override
  public Vectors vectors() {
    return vectors;
  }

  @Override
  public long total() {
    return -1;
  }

  @Override
  public double fractionRead() {
    return docs.fractionRead();
  }

  @Override
  public void resumeAfter(String position) {
    resumeLine = position == null ? 0 : Long.parseLong(position);
  }

  @Override
  public Record next() throws IOException {
    while (true) {
      Record r = read();
      if (r == null || Long.parseLong(r.position()) > resumeLine) {
        return r;
      }
    }
  }

  private Record read() throws IOException {
    try {
      SourceDocument d = docs.next();
      return d == null ? null : Record.of(d, Long.toString(docs.line()));
    } catch (JsonlDocuments.BadLineException e) {
      String reason = switch (e.problem()) {
        case NO_ID -> "no id";
        case NOT_JSON, NOT_AN_OBJECT -> "malformed JSON";
        case BAD_VECTOR, NO_CONTENT -> "bad vector";
      };
      return Record.skip(reason, e.getMessage(), Long.toString(e.line()));
    }
  }

  @Override
  public void close() throws IOException {
    docs.close();
  }
}
