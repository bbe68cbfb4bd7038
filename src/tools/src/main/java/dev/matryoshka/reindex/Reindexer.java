package dev.matryoshka.reindex;

import dev.matryoshka.adapt.Adapter;
import dev.matryoshka.adapt.AdapterIO;
import dev.matryoshka.document.MatryoshkaVectorField;
import dev.matryoshka.index.Adapters;
import dev.matryoshka.index.IndexSettings;
import dev.matryoshka.index.SimilarityName;
import dev.matryoshka.index.SourceDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.document.FieldType;

/**
 * Moves documents from a {@link ReindexSource} into a {@link ReindexTarget}, resumably.
 *
 * <ul>
 *   <li>A source with full vectors (Matryoshka index, Lucene vector field, JSONL vectors,
 *       OpenSearch vector field) is re-indexed without loading the encoder: the encoder factory
 *       is not called. Text-only sources are encoded in batches.
 *   <li>Every {@code commitEvery} documents the target commits together with a {@link
 *       Checkpoint} (source position + counters). A rerun opens the target, reads the checkpoint
 *       and continues after its position; documents are keyed by id, so anything re-read after
 *       a crash replaces itself instead of duplicating.
 *   <li>Documents that cannot be indexed (no id, no text, bad vector, malformed line, refused by
 *       the target) are skipped and counted by reason, or fail the run with {@code strict}.
 * </ul>
 *
 * <pre>{@code
 * var r = new Reindexer(new ReindexOptions().prefixDims(128), DocumentEncoder.models("bge-small-en-v1.5", opts), listener);
 * Reindexer.Summary s = r.run("old-index", "new-index");
 * }</pre>
 */
public final class Reindexer {

  /** Receives log lines and progress. */
  public interface Listener {
    /** One line of information (source, target, encoder, resume point, retries). */
    void log(String line);

    /**
     * Progress after each step.
     *
     * @param readThisRun items read by this run
     * @param fraction fraction of this run's work done in [0, 1], or -1 when unknown
     */
    default void progress(long readThisRun, double fraction) {}
  }

  /**
   * What a run did.
   *
   * @param settings the target's settings
   * @param resumedFrom the checkpoint position the run started after, or null
   * @param readThisRun items read by this run
   * @param writtenThisRun documents written by this run
   * @param totals counters over every run that built the target (from the final checkpoint)
   * @param encoderLoaded whether the encoder was opened
   * @param seconds wall time of this run
   */
  public record Summary(IndexSettings settings, String resumedFrom, long readThisRun, long writtenThisRun,
      Checkpoint totals, boolean encoderLoaded, double seconds) {}

  /** A document that failed the run because of {@code --strict}. */
  public static final class StrictException extends IllegalArgumentException {
    StrictException(String message) {
      super(message);
    }
  }

  private final ReindexOptions options;
  private final DocumentEncoder.Factory encoders;
  private final Listener listener;

  /**
   * @param encoders opens the encoder when text must be encoded (may be null when no source
   *     needs one)
   */
  public Reindexer(ReindexOptions options, DocumentEncoder.Factory encoders, Listener listener) {
    this.options = options;
    this.encoders = encoders;
    this.listener = listener == null ? line -> {} : listener;
  }

  /** Opens the source ({@code http(s)://host:port/INDEX}, a JSONL file, or an index folder). */
  public static ReindexSource openSource(String from, ReindexOptions options, java.util.function.Consumer<String> log)
      throws IOException {
    if (from.startsWith("http://") || from.startsWith("https://")) {
      return new OpenSearchSource(from, options, log);
    }
    Path p = Path.of(from);
    if (Files.isDirectory(p)) {
      return new LuceneSource(p, options);
    }
    if (!Files.exists(p)) {
      throw new IllegalArgumentException("source does not exist: " + from
          + " (expected a JSONL file, an index folder, or http://host:port/INDEX)");
    }
    return new JsonlSource(p, options);
  }

  /** Opens the target ({@code http(s)://host:port/INDEX} or an index folder). */
  public static ReindexTarget openTarget(String to, ReindexOptions options, java.util.function.Consumer<String> log) {
    if (to.startsWith("http://") || to.startsWith("https://")) {
      return new OpenSearchTarget(to, options, log);
    }
    return new LocalTarget(Path.of(to));
  }

  /** Reindexes {@code from} into {@code to}. */
  public Summary run(String from, String to) throws IOException {
    if (!from.contains("://") && !to.contains("://")
        && Path.of(from).toAbsolutePath().normalize().equals(Path.of(to).toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--from and --to are the same place: " + from);
    }
    try (ReindexSource source = openSource(from, options, listener::log);
        ReindexTarget target = openTarget(to, options, listener::log)) {
      return run(source, target);
    }
  }

  /** Reindexes an open source into a target (opened here, closed by the caller). */
  public Summary run(ReindexSource source, ReindexTarget target) throws IOException {
    long start = System.nanoTime();
    ReindexSource.Vectors sv = source.vectors();
    boolean reuse = sv != null && !options.reencode;
    listener.log("source: " + source.identity() + (sv == null ? " (text)"
        : " (vectors \"" + sv.field() + "\", " + sv.dims() + " dims)"));
    DocumentEncoder enc = null;
    try {
      if (reuse) {
        listener.log("encoder: not loaded (full vectors reused from the source)");
      } else {
        if (encoders == null) {
          throw new IllegalArgumentException("source " + source.identity() + " has text only and no model is configured");
        }
        listener.log("encoder: loading ...");
        enc = encoders.open();
        listener.log("encoder: " + enc.name() + " (" + enc.dims() + " dims)");
      }
      Adapter adapter = null;
      IndexSettings settings = settings(sv, reuse, enc);
      java.nio.file.Path adapterFile = reuse ? source.adapterFile() : null;
      if (options.adapter != null) {
        if (!"none".equals(settings.adapterKind())) {
          throw new IllegalArgumentException("the source's vectors already went through a " + settings.adapterKind()
              + " adapter; reindex from the unadapted vectors or text to apply another");
        }
        adapter = settings.modelFingerprint() == null ? AdapterIO.read(options.adapter)
            : AdapterIO.read(options.adapter, settings.modelFingerprint());
        if (adapter.inputDims() != settings.dims()) {
          throw new IllegalArgumentException("adapter " + options.adapter + " takes " + adapter.inputDims()
              + " dims; the vectors have " + settings.dims());
        }
        adapterFile = options.adapter;
        settings = settings.withAdapter(adapter.label(), Adapters.fingerprint(adapterFile));
      }
      listener.log("target: " + target.describe() + " (" + settings.dims() + " dims, prefix " + settings.prefixDims()
          + ", " + settings.similarity() + (settings.modelName() == null ? "" : ", model " + settings.modelName())
          + ("none".equals(settings.adapterKind()) ? "" : ", adapter " + settings.adapterKind()) + ")");
      Checkpoint cp = target.open(settings, options.overwrite);
      if (adapterFile != null) {
        target.installAdapter(adapterFile);
      }
      return new Run(source, target, settings, enc, adapter, cp, start).loop();
    } finally {
      if (enc != null) enc.close();
    }
  }

  private IndexSettings settings(ReindexSource.Vectors sv, boolean reuse, DocumentEncoder enc) {
    int dims = reuse ? sv.dims() : enc.dims();
    SimilarityName sim = options.similarity != null ? options.similarity
        : sv != null && sv.similarity() != null ? sv.similarity() : SimilarityName.COSINE;
    int prefix = options.prefixDims != null ? options.prefixDims
        : reuse && sv.prefixDims() != null ? sv.prefixDims()
        : reuse ? IndexSettings.defaultPrefixDims(dims)
        : IndexSettings.defaultPrefixDims(dims, enc.trainedForTruncation());
    IndexSettings s = IndexSettings.forVectors(dims, prefix, sim).withPrefixEncoding(options.prefixEncoding);
    if (reuse) {
      return s.withModel(sv.modelName(), sv.modelFingerprint()).withAdapter(sv.adapterKind(), sv.adapterFingerprint());
    }
    return s.withModel(enc.name(), enc.fingerprint());
  }

  /** The state of one run. */
  private final class Run {
    final ReindexSource source;
    final ReindexTarget target;
    final IndexSettings settings;
    final DocumentEncoder enc;
    final Adapter adapter;
    final FieldType type;
    final long start;
    final String resumedFrom;
    String position;
    long read;
    long written;
    final Map<String, Long> skipped = new TreeMap<>();
    long readThisRun;
    long writtenThisRun;
    long committed;
    double startFraction = -1;

    Run(ReindexSource source, ReindexTarget target, IndexSettings settings, DocumentEncoder enc, Adapter adapter,
        Checkpoint cp, long start) {
      this.source = source;
      this.target = target;
      this.settings = settings;
      this.enc = enc;
      this.adapter = adapter;
      this.type = settings.vectorFieldType();
      this.start = start;
      if (cp != null && cp.source().equals(source.identity())) {
        position = cp.position();
        read = cp.read();
        written = cp.written();
        skipped.putAll(cp.skipped());
        committed = written;
        listener.log(String.format(Locale.ROOT, "resuming after position %s: %,d documents already committed%s",
            position, written, cp.done() ? " (the previous run finished)" : ""));
      } else if (cp != null) {
        listener.log("the target's checkpoint is for another source (" + cp.source()
            + "); reading this source from the start (documents are keyed by id)");
      }
      this.resumedFrom = position;
    }

    Summary loop() throws IOException {
      source.resumeAfter(position);
      int step = options.batch;
      long sinceCommit = 0;
      List<ReindexSource.Record> batch = new ArrayList<>(step);
      boolean more = true;
      while (more) {
        batch.clear();
        ReindexSource.Record r;
        while (batch.size() < step && (r = source.next()) != null) {
          batch.add(r);
        }
        more = batch.size() == step;
        if (batch.isEmpty()) {
          break;
        }
        process(batch);
        sinceCommit += batch.size();
        if (sinceCommit >= options.commitEvery) {
          target.commit(checkpoint(false));
          committed = written;
          sinceCommit = 0;
        }
        double f = source.fractionRead();
        if (startFraction < 0) startFraction = f;
        listener.progress(readThisRun,
            f < 0 || startFraction >= 1 ? -1 : Math.max(0, (f - startFraction) / (1 - startFraction)));
      }
      Checkpoint last = checkpoint(true);
      target.commit(last);
      if (options.forceMerge) {
        long t0 = System.nanoTime();
        target.forceMerge(last);
        listener.log(String.format(Locale.ROOT, "merged to one segment in %.1f s", (System.nanoTime() - t0) / 1e9));
      }
      target.finish();
      return new Summary(settings, resumedFrom, readThisRun, writtenThisRun, last, enc != null,
          (System.nanoTime() - start) / 1e9);
    }

    private Checkpoint checkpoint(boolean done) {
      return new Checkpoint(source.identity(), position, read, written, skipped, done);
    }

    private void process(List<ReindexSource.Record> batch) throws IOException {
      List<SourceDocument> keep = new ArrayList<>(batch.size());
      List<String> texts = new ArrayList<>();
      for (ReindexSource.Record r : batch) {
        readThisRun++;
        read++;
        SourceDocument d = r.doc();
        if (d == null) {
          skip(r.skipReason(), r.detail());
        } else if (d.id() == null || d.id().isEmpty()) {
          skip("no id", "document at source position " + r.position() + " has no id");
        } else if (enc == null && d.vector() == null) {
          skip("no vector", "document \"" + d.id() + "\" has no vector");
        } else if (enc != null && (d.vector() == null || options.reencode) && (d.text() == null || d.text().isBlank())) {
          skip("no text", "document \"" + d.id() + "\" has no text to encode");
        } else {
          keep.add(d);
          if (enc != null && (d.vector() == null || options.reencode)) texts.add(d.text());
        }
      }
      float[][] encoded = texts.isEmpty() ? new float[0][] : enc.encode(texts);
      List<ReindexTarget.Doc> docs = new ArrayList<>(keep.size());
      int e = 0;
      for (SourceDocument d : keep) {
        float[] v = enc != null && (d.vector() == null || options.reencode) ? encoded[e++] : d.vector();
        try {
          if (adapter != null) v = adapter.apply(v);
          MatryoshkaVectorField.checkVector(settings.field(), v, type);
        } catch (IllegalArgumentException ex) {
          skip("invalid vector", "document \"" + d.id() + "\": " + ex.getMessage());
          continue;
        }
        docs.add(new ReindexTarget.Doc(d.id(), v, d.stored() == null ? Map.of() : d.stored(), d.text()));
      }
      List<ReindexTarget.Rejected> rejected = target.write(docs);
      for (ReindexTarget.Rejected x : rejected) {
        skip(x.reason(), x.detail());
      }
      written += docs.size() - rejected.size();
      writtenThisRun += docs.size() - rejected.size();
      position = batch.get(batch.size() - 1).position();
    }

    private void skip(String reason, String detail) {
      if (options.strict) {
        throw new StrictException(detail + " (" + reason + "; --strict) — " + String.format(Locale.ROOT,
            "%,d documents were committed before it; a rerun without --strict resumes there", committedWritten()));
      }
      skipped.merge(reason, 1L, Long::sum);
    }

    private long committedWritten() {
      return committed;
    }
  }
}
