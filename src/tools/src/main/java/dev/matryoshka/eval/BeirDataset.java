package dev.matryoshka.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.matryoshka.index.DocumentText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * A retrieval dataset in the BEIR layout: {@code corpus.jsonl} ({@code {"_id","title","text"}}),
 * {@code queries.jsonl} ({@code {"_id","text"}}) and {@code qrels/<split>.tsv} (header {@code
 * query-id corpus-id score}, tab separated). {@code corpus.jsonl.gz} is read if the plain file is
 * absent.
 *
 * <p>Only queries that have judgments in the split are kept, in qrels order, as BEIR and MTEB do;
 * the other queries in {@code queries.jsonl} belong to other splits. Judgments with score 0 are
 * kept: they make a query count even if nothing is relevant for it.
 *
 * <pre>{@code
 * BeirDataset ds = BeirDataset.load(Path.of("data/scifact"), "test");
 * List<String> texts = ds.docTexts(); // DocumentText.of(title, text)
 * }</pre>
 */
public final class BeirDataset {
  /**
   * One corpus entry.
   *
   * @param id the {@code _id}
   * @param title the title, empty if the file has none
   * @param text the body text
   */
  public record Document(String id, String title, String text) {
    /** The text a model encodes: {@link DocumentText#of}, as MTEB builds it. */
    public String encodingText() {
      return DocumentText.of(title, text);
    }
  }

  /**
   * One query of the split.
   *
   * @param id the {@code _id}, as in the qrels
   * @param text the query text
   */
  public record Query(String id, String text) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final String split;
  private final List<Document> docs;
  private final List<Query> queries;
  private final Map<String, Map<String, Integer>> qrels;
  private final int queriesInCorpus;
  private final boolean dropSelfHits;

  private BeirDataset(
      String name,
      String split,
      List<Document> docs,
      List<Query> queries,
      Map<String, Map<String, Integer>> qrels,
      boolean dropSelfHits) {
    this.name = name;
    this.split = split;
    this.docs = docs;
    this.queries = queries;
    this.qrels = qrels;
    this.dropSelfHits = dropSelfHits;
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (Document d : docs) ids.add(d.id());
    int n = 0;
    for (Query q : queries) {
      if (ids.contains(q.id())) n++;
    }
    this.queriesInCorpus = n;
  }

  /**
   * Reads a BEIR folder.
   *
   * @param dir the dataset folder (holding {@code corpus.jsonl}, {@code queries.jsonl}, {@code
   *     qrels/})
   * @param split the qrels file name without {@code .tsv}, e.g. {@code test}
   * @throws IOException if a file is missing or unreadable, or a line is malformed; the message
   *     names the file and line
   */
  public static BeirDataset load(Path dir, String split) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(split, "split");
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "BEIR dataset folder not found");
    }
    Path qrelsFile = dir.resolve("qrels").resolve(split + ".tsv");
    if (!Files.isRegularFile(qrelsFile)) {
      throw new NoSuchFileException(
          qrelsFile.toString(), null, "no qrels for split '" + split + "'");
    }
    Map<String, Map<String, Integer>> qrels = readQrels(qrelsFile);
    Map<String, String> allQueries = readQueries(dir.resolve("queries.jsonl"));
    List<Query> queries = new ArrayList<>(qrels.size());
    for (String qid : qrels.keySet()) {
      String text = allQueries.get(qid);
      if (text == null) {
        throw new IOException(
            qrelsFile + ": query id '" + qid + "' has judgments but is not in queries.jsonl");
      }
      queries.add(new Query(qid, text));
    }
    Path corpus = dir.resolve("corpus.jsonl");
    if (!Files.exists(corpus) && Files.exists(dir.resolve("corpus.jsonl.gz"))) {
      corpus = dir.resolve("corpus.jsonl.gz");
    }
    List<Document> docs = readCorpus(corpus);
    Path fileName = dir.toAbsolutePath().normalize().getFileName();
    return new BeirDataset(
        fileName == null ? dir.toString() : fileName.toString(),
        split,
        Collections.unmodifiableList(docs),
        Collections.unmodifiableList(queries),
        Collections.unmodifiableMap(qrels),
        true);
  }

  /**
   * This dataset with self-hits kept: a query that is itself a corpus document may find itself
   * (BEIR's plain behaviour), instead of MTEB's rule ({@link #dropsSelfHits()}).
   */
  public BeirDataset keepingSelfHits() {
    return new BeirDataset(name, split, docs, queries, qrels, false);
  }

  /** How many of the split's queries have an id that is also a corpus document's id. */
  public int queriesInCorpus() {
    return queriesInCorpus;
  }

  /**
   * True when rankings drop the query's own document: some query ids are corpus ids (ArguAna,
   * whose queries are arguments from the corpus) and self-hits were not {@linkplain
   * #keepingSelfHits() kept}. MTEB's retrieval evaluation drops a hit whose id equals the query's
   * on every dataset; where no id coincides that is a no-op, so this is on by default.
   */
  public boolean dropsSelfHits() {
    return dropSelfHits && queriesInCorpus > 0;
  }

  /** Hits to fetch so that {@code k} remain after {@link #ranking}: {@code k + 1} when self-hits are dropped. */
  public int fetch(int k) {
    return dropsSelfHits() ? k + 1 : k;
  }

  /**
   * A ranking as scored: without the document whose id is {@code queryId} when {@link
   * #dropsSelfHits()}, cut to {@code k}.
   *
   * @param ranked document ids, best first, usually {@link #fetch}{@code (k)} of them
   */
  public List<String> ranking(String queryId, List<String> ranked, int k) {
    List<String> out = new ArrayList<>(Math.min(k, ranked.size()));
    boolean drop = dropsSelfHits();
    for (String id : ranked) {
      if (out.size() == k) break;
      if (drop && id.equals(queryId)) continue;
      out.add(id);
    }
    return out;
  }

  /** The dataset's folder name, e.g. {@code scifact}. */
  public String name() {
    return name;
  }

  /** The qrels split the queries were filtered by. */
  public String split() {
    return split;
  }

  /** Every corpus document, in file order. Row {@code i} of a document matrix is {@code docs().get(i)}. */
  public List<Document> docs() {
    return docs;
  }

  /** The queries judged in this split, in qrels order. */
  public List<Query> queries() {
    return queries;
  }

  /** Query id to (document id to relevance), unmodifiable. */
  public Map<String, Map<String, Integer>> qrels() {
    return qrels;
  }

  /** {@link Document#encodingText()} of every document, aligned with {@link #docs()}. */
  public List<String> docTexts() {
    return docs.stream().map(Document::encodingText).toList();
  }

  /** Text of every query, aligned with {@link #queries()}. */
  public List<String> queryTexts() {
    return queries.stream().map(Query::text).toList();
  }

  @Override
  public String toString() {
    return "BeirDataset(name=" + name + ", split=" + split + ", docs=" + docs.size()
        + ", queries=" + queries.size() + ", judgments="
        + qrels.values().stream().mapToInt(Map::size).sum()
        + (queriesInCorpus > 0 ? ", queriesInCorpus=" + queriesInCorpus + (dropsSelfHits() ? " (self-hits dropped)" : " (self-hits kept)") : "")
        + ")";
  }

  private static Map<String, Map<String, Integer>> readQrels(Path file) throws IOException {
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    forEachLine(file, (lineNo, line) -> {
      String[] f = line.split("\t", -1);
      if (f.length != 3) {
        throw new IOException(file + " line " + lineNo
            + ": expected 3 tab-separated fields (query-id, corpus-id, score); got " + f.length);
      }
      int score;
      try {
        score = Integer.parseInt(f[2].strip());
      } catch (NumberFormatException e) {
        if (lineNo == 1) {
          return; // the header line: query-id corpus-id score
        }
        throw new IOException(file + " line " + lineNo + ": score is not an integer: '" + f[2] + "'");
      }
      String qid = f[0].strip();
      String did = f[1].strip();
      if (qid.isEmpty() || did.isEmpty()) {
        throw new IOException(file + " line " + lineNo + ": empty query-id or corpus-id");
      }
      // a repeated pair keeps the last score, as BEIR's dict assignment does
      qrels.computeIfAbsent(qid, q -> new LinkedHashMap<>()).put(did, score);
    });
    if (qrels.isEmpty()) {
      throw new IOException(file + ": no judgments");
    }
    qrels.replaceAll((q, m) -> Collections.unmodifiableMap(m));
    return qrels;
  }

  private static Map<String, String> readQueries(Path file) throws IOException {
    Map<String, String> queries = new HashMap<>();
    forEachLine(file, (lineNo, line) -> {
      JsonNode node = parseObject(file, lineNo, line);
      String id = requiredString(file, lineNo, node, "_id");
      String text = requiredString(file, lineNo, node, "text");
      if (queries.put(id, text) != null) {
        throw new IOException(file + " line " + lineNo + ": duplicate _id '" + id + "'");
      }
    });
    return queries;
  }

  private static List<Document> readCorpus(Path file) throws IOException {
    List<Document> docs = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    forEachLine(file, (lineNo, line) -> {
      JsonNode node = parseObject(file, lineNo, line);
      String id = requiredString(file, lineNo, node, "_id");
      String title = optionalString(file, lineNo, node, "title");
      String text = optionalString(file, lineNo, node, "text");
      Integer previous = seen.put(id, lineNo);
      if (previous != null) {
        throw new IOException(
            file + " line " + lineNo + ": duplicate _id '" + id + "' (first on line " + previous + ")");
      }
      docs.add(new Document(id, title, text));
    });
    if (docs.isEmpty()) {
      throw new IOException(file + ": corpus is empty");
    }
    return docs;
  }

  private static JsonNode parseObject(Path file, int lineNo, String line) throws IOException {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IOException(
          file + " line " + lineNo + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IOException(file + " line " + lineNo + ": expected a JSON object");
    }
    return node;
  }

  private static String requiredString(Path file, int lineNo, JsonNode node, String field)
      throws IOException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IOException(file + " line " + lineNo + ": missing field \"" + field + "\"");
    }
    return scalarText(file, lineNo, v, field);
  }

  private static String optionalString(Path file, int lineNo, JsonNode node, String field)
      throws IOException {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : scalarText(file, lineNo, v, field);
  }

  // some BEIR exports write numeric ids as JSON numbers; their text form is the id
  private static String scalarText(Path file, int lineNo, JsonNode v, String field)
      throws IOException {
    if (!v.isValueNode()) {
      throw new IOException(
          file + " line " + lineNo + ": field \"" + field + "\" must be a string; got " + v.getNodeType());
    }
    return v.asText();
  }

  /** Consumes one non-blank line, 1-based line number. */
  @FunctionalInterface
  interface LineConsumer {
    void accept(int lineNo, String line) throws IOException;
  }

  /**
   * Reads a UTF-8 text file (gzipped if the name ends in {@code .gz}) line by line, skipping blank
   * lines. Undecodable bytes fail with the file and line instead of a bare charset error.
   */
  static void forEachLine(Path file, LineConsumer consumer) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "file not found");
    }
    InputStream in = Files.newInputStream(file);
    try {
      if (file.getFileName().toString().endsWith(".gz")) {
        in = new GZIPInputStream(in, 1 << 16);
      }
      var decoder = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder), 1 << 16)) {
        int lineNo = 0;
        try {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            lineNo++;
            if (!line.isBlank()) {
              // CRLF files leave a '\r' that would otherwise end up inside ids and scores
              consumer.accept(lineNo, line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            }
          }
        } catch (CharacterCodingException e) {
          throw new IOException(file + " line " + (lineNo + 1) + ": not valid UTF-8", e);
        }
      }
    } finally {
      in.close();
    }
  }
}
