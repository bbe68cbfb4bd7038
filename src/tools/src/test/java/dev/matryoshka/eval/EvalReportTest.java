package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalReportTest {
  private static EvalReport retrieval() {
    return new EvalReport("scifact", "bge-small-en-v1.5", List.of(
        EvalReport.Row.retrieval("exact", 64, "none", 0.61234, 0.9, 0.55),
        EvalReport.Row.retrieval("index", 384, "rotation", new RetrievalScores(0.7, 0.95, 0.66, 300))));
  }

  @Test
  void jsonHasTheContractShapeAndKeyOrder() throws IOException {
    JsonNode root = new ObjectMapper().readTree(retrieval().toJson());
    List<String> keys = new ArrayList<>();
    root.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("dataset", "model", "rows"), keys);
    JsonNode row = root.get("rows").get(0);
    List<String> rowKeys = new ArrayList<>();
    row.fieldNames().forEachRemaining(rowKeys::add);
    assertEquals(List.of("mode", "dims", "adapter", "ndcg_at_10", "recall_at_100", "mrr_at_10"), rowKeys);
    assertEquals("exact", row.get("mode").asText());
    assertEquals(64, row.get("dims").asInt());
    assertTrue(row.get("dims").isInt());
    assertEquals(0.61234, row.get("ndcg_at_10").asDouble());
    assertEquals("rotation", root.get("rows").get(1).get("adapter").asText());
  }

  @Test
  void stsRowsCarrySpearmanOnlyAndNaNBecomesNull(@TempDir Path dir) throws IOException {
    EvalReport r = new EvalReport("stsb", "m", List.of(
        EvalReport.Row.sts("exact", 64, "none", 0.81), EvalReport.Row.sts("exact", 8, "none", Double.NaN)));
    JsonNode root = new ObjectMapper().readTree(r.toJson());
    JsonNode row = root.get("rows").get(0);
    assertEquals(4, row.size());
    assertEquals(0.81, row.get("spearman").asDouble());
    assertTrue(root.get("rows").get(1).get("spearman").isNull());
    Path f = dir.resolve("out/report.json");
    r.writeJson(f);
    EvalReport back = EvalReport.readJson(f);
    assertEquals(0.81, back.rows().get(0).spearman());
    assertTrue(Double.isNaN(back.rows().get(1).spearman()));
    assertEquals("stsb", back.dataset());
  }

  @Test
  void jsonTextIsOneRowPerLine() {
    EvalReport r = new EvalReport("st\"s", "m", List.of(EvalReport.Row.sts("exact", 8, "none", 0.5)));
    assertEquals("{\"dataset\": \"st\\\"s\", \"model\": \"m\", \"rows\": [\n"
        + "  {\"mode\": \"exact\", \"dims\": 8, \"adapter\": \"none\", \"spearman\": 0.5}\n]}", r.toJson());
    assertEquals("{\"dataset\": \"d\", \"model\": \"m\", \"rows\": []}",
        new EvalReport("d", "m", List.of()).toJson());
  }

  @Test
  void roundTripsAndRejectsBadRows() throws IOException {
    EvalReport r = retrieval();
    assertEquals(r.rows(), EvalReport.fromJson(r.toJson()).rows());
    IOException e = assertThrows(IOException.class, () -> EvalReport.fromJson(
        "{\"dataset\":\"d\",\"model\":\"m\",\"rows\":[{\"mode\":\"exact\",\"dims\":8,\"adapter\":\"none\",\"ndcg_at_10\":0.5}]}"));
    assertTrue(e.getMessage().contains("rows[0]"), e.getMessage());
    assertThrows(IOException.class, () -> EvalReport.fromJson("{\"rows\": [1,"));
    assertThrows(IllegalArgumentException.class,
        () -> new EvalReport.Row("exact", 8, "none", 0.1, 0.2, 0.3, 0.4));
  }

  @Test
  void tableIsFixedWidth() {
    String table = retrieval().toTable();
    String[] lines = table.split("\n");
    assertEquals("dataset: scifact   model: bge-small-en-v1.5", lines[0]);
    assertEquals("mode   dims  adapter   ndcg@10  recall@100  mrr@10", lines[1]);
    assertEquals("exact    64  none       0.6123      0.9000  0.5500", lines[2]);
    assertEquals("index   384  rotation   0.7000      0.9500  0.6600", lines[3]);
  }
}
