package dev.matryoshka.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.matryoshka.codec.MatryoshkaPrefix;
import dev.matryoshka.index.IndexSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code matryoshka inspect}: what an index holds. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Show documents, fields, dims, prefix dims, model, adapter, codec and bytes per file kind.")
public final class InspectCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index directory.")
  Path index;

  @Option(names = "--json", description = "Print JSON on stdout.")
  boolean json;

  @Option(names = "--check", description = "Also run Lucene's CheckIndex (reads every byte).")
  boolean check;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(index)) {
      throw new CliException("index directory does not exist: " + index);
    }
    ObjectMapper om = new ObjectMapper();
    ObjectNode root = om.createObjectNode();
    boolean clean = true;
    dev.matryoshka.search.Calibration cal = null;
    try (Directory dir = FSDirectory.open(index)) {
      if (!DirectoryReader.indexExists(dir)) {
        throw new CliException("no index found in " + index);
      }
      SegmentInfos infos = SegmentInfos.readLatestCommit(dir);
      root.put("index", index.toString());
      try (DirectoryReader r = DirectoryReader.open(dir)) {
        root.put("docs", r.numDocs());
        root.put("deleted_docs", r.numDeletedDocs());
        root.put("segments", r.leaves().size());
        FieldInfos fis = FieldInfos.getMergedFieldInfos(r);
        // each segment's own calibration, per vector field, as the codec measured it
        var segs = root.putArray("segment_calibrations");
        for (var leaf : r.leaves()) {
          for (FieldInfo fi : leaf.reader().getFieldInfos()) {
            if (fi.getVectorDimension() == 0) {
              continue;
            }
            ObjectNode sc = segs.addObject().put("segment", leaf.ord).put("field", fi.name)
                .put("docs", leaf.reader().maxDoc());
            var c = dev.matryoshka.codec.SegmentCalibration.of(leaf.reader(), fi.name);
            if (c == null) {
              sc.putNull("oversample");
              continue;
            }
            sc.put("oversample", c.oversampleFor(dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL))
                .put("target_recall", dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL)
                .put("queries", c.queries()).put("query_kind", c.queryKind().name().toLowerCase(Locale.ROOT))
                .put("k", c.k());
            var curve = sc.putArray("curve");
            for (int i = 0; i < c.oversamples().length; i++) {
              curve.addObject().put("oversample", c.oversamples()[i]).put("recall", c.recalls()[i]);
            }
          }
        }
        var fields = root.putArray("fields");
        for (FieldInfo fi : fis) {
          ObjectNode f = fields.addObject().put("name", fi.name);
          if (fi.getVectorDimension() > 0) {
            f.put("type", "vector").put("dims", fi.getVectorDimension())
                .put("similarity", fi.getVectorSimilarityFunction().name());
            String p = fi.getAttribute(MatryoshkaPrefix.PREFIX_DIMS_ATTRIBUTE);
            if (p != null) f.put("prefix_dims", Integer.parseInt(p));
            String enc = fi.getAttribute(MatryoshkaPrefix.PREFIX_ENCODING_ATTRIBUTE);
            if (p != null) f.put("prefix_quantization", quantizationName(enc));
            String fmt = fi.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY);
            if (fmt != null) f.put("vectors_format", fmt);
          } else {
            f.put("type", fi.getIndexOptions().toString().equals("NONE") ? "stored" : "indexed");
          }
        }
      }
      var codecs = new TreeSet<String>();
      for (SegmentCommitInfo sci : infos) codecs.add(sci.info.getCodec().getName());
      root.putPOJO("codecs", codecs);
      Map<String, String> ud = infos.getUserData();
      IndexSettings settings = IndexSettings.fromUserData(ud);
      if (settings != null) {
        ObjectNode s = root.putObject("settings");
        s.put("field", settings.field()).put("dims", settings.dims())
            .put("prefix_dims", settings.prefixDims()).put("similarity", settings.similarity().label())
            .put("m", settings.maxConn()).put("ef_construction", settings.beamWidth())
            .put("prefix_quantization", settings.prefixEncoding().settingName());
        s.put("model", settings.modelName()).put("model_fingerprint", settings.modelFingerprint());
        s.put("adapter", settings.adapterKind()).put("adapter_fingerprint", settings.adapterFingerprint());
        cal = dev.matryoshka.index.IndexCalibration.read(ud);
        if (cal != null) {
          root.set("calibration", dev.matryoshka.index.CalibrationJson.toJsonNode(cal));
        } else {
          root.putNull("calibration");
        }
      }
      ObjectNode ext = root.putObject("bytes_by_extension");
      Map<String, Long> bytes = new TreeMap<>();
      long total = 0;
      for (String file : dir.listAll()) {
        int dot = file.lastIndexOf('.');
        String kind = dot < 0 ? file.replaceAll("_\\d+$|_[0-9a-z]+$", "") : file.substring(dot + 1);
        long len = dir.fileLength(file);
        bytes.merge(kind, len, Long::sum);
        total += len;
      }
      bytes.forEach(ext::put);
      root.put("bytes_total", total);
      if (check) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (CheckIndex ci = new CheckIndex(dir)) {
          ci.setInfoStream(new PrintStream(log, true, StandardCharsets.UTF_8));
          CheckIndex.Status st = ci.checkIndex();
          clean = st.clean;
          root.put("check_clean", st.clean);
          if (!st.clean) root.put("check_log", log.toString(StandardCharsets.UTF_8));
        }
      }
    }
    var out = spec.commandLine().getOut();
    if (json) {
      out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    } else {
      out.printf(Locale.ROOT, "index      %s%n", index);
      out.printf(Locale.ROOT, "docs       %,d (%,d deleted) in %d segment(s)%n",
          root.get("docs").asLong(), root.get("deleted_docs").asLong(), root.get("segments").asInt());
      out.printf(Locale.ROOT, "codec      %s%n", root.get("codecs"));
      if (root.has("settings")) {
        var s = root.get("settings");
        out.printf(Locale.ROOT, "vector     field=%s dims=%d prefix=%d (%s) similarity=%s m=%d ef_construction=%d%n",
            s.get("field").asText(), s.get("dims").asInt(), s.get("prefix_dims").asInt(),
            MatryoshkaPrefix.Encoding.parse(s.get("prefix_quantization").asText()).wireName(),
            s.get("similarity").asText(), s.get("m").asInt(), s.get("ef_construction").asInt());
        out.printf(Locale.ROOT, "model      %s%s%n", s.get("model").isNull() ? "none (precomputed vectors)" : s.get("model").asText(),
            s.get("model_fingerprint").isNull() ? "" : " sha256:" + s.get("model_fingerprint").asText().substring(0, 16));
        out.printf(Locale.ROOT, "adapter    %s%n", s.get("adapter").asText());
        out.printf(Locale.ROOT, "oversample %s%n", cal == null
            ? "per segment, for recall@10 " + dev.matryoshka.search.MatryoshkaKnnQuery.DEFAULT_TARGET_RECALL
                + " (each segment's calibration, below)"
            : "index-wide " + cal.summary());
      }
      out.println("segments");
      for (var sc : root.get("segment_calibrations")) {
        out.printf(Locale.ROOT, "  %-3d %-12s %,10d docs  %s%n", sc.get("segment").asInt(), sc.get("field").asText(),
            sc.get("docs").asLong(), sc.get("oversample").isNull() ? "no calibration (small, or written before calibrations)"
                : String.format(Locale.ROOT, "oversample %.2f for recall@10 %.2f", sc.get("oversample").asDouble(),
                    sc.get("target_recall").asDouble()));
      }
      out.println("fields");
      for (var f : root.get("fields")) {
        out.printf(Locale.ROOT, "  %-20s %s%s%n", f.get("name").asText(), f.get("type").asText(),
            f.has("dims") ? " dims=" + f.get("dims").asInt()
                + (f.has("prefix_dims") ? " prefix=" + f.get("prefix_dims").asInt()
                    + (f.path("prefix_quantization").asText("none").equals("none") ? ""
                        : " (" + f.path("prefix_quantization").asText() + ")") : "")
                + " " + f.get("similarity").asText()
                + (f.has("vectors_format") ? " format=" + f.get("vectors_format").asText() : "") : "");
      }
      out.println("bytes by file kind");
      root.get("bytes_by_extension").fields().forEachRemaining(e ->
          out.printf(Locale.ROOT, "  %-8s %,14d%n", e.getKey(), e.getValue().asLong()));
      out.printf(Locale.ROOT, "  %-8s %,14d%n", "total", root.get("bytes_total").asLong());
      if (check) out.println("CheckIndex " + (clean ? "clean" : "NOT CLEAN:\n" + root.get("check_log").asText()));
    }
    out.flush();
    return clean ? 0 : 1;
  }

  /** The setting name of a field's encoding attribute; one this build does not know is shown as it is. */
  private static String quantizationName(String attribute) {
    try {
      return MatryoshkaPrefix.Encoding.parse(attribute).settingName();
    } catch (IllegalArgumentException e) {
      return "unknown (" + attribute + ")";
    }
  }
}
