package dev.matryoshka.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class PlotTest {
  @TempDir Path dir;

  private static EvalReport report() {
    List<EvalReport.Row> rows = new ArrayList<>();
    int[] dims = {384, 32, 64, 128, 256};
    for (int d : dims) {
      double q = 0.65 - 0.2 / Math.log(d);
      rows.add(EvalReport.Row.retrieval("exact", d, "none", q, q + 0.25, q - 0.05));
      rows.add(EvalReport.Row.retrieval("exact", d, "rotation", q + 0.01, q + 0.26, q - 0.04));
    }
    rows.add(EvalReport.Row.retrieval("index", 64, "none", 0.6, 0.9, 0.55));
    return new EvalReport("scifact", "bge-small-en-v1.5", rows);
  }

  private static Document parseXml(Path f) throws Exception {
    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    dbf.setNamespaceAware(true);
    return dbf.newDocumentBuilder().parse(f.toFile());
  }

  private static List<String> texts(Document doc) {
    NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add(nodes.item(i).getTextContent());
    }
    return out;
  }

  @Test
  void pngDecodesWithExpectedSize() throws IOException {
    Path png = dir.resolve("charts/ndcg.png");
    Plot.metricVsDims(png, report(), EvalReport.NDCG_AT_10);
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "ImageIO could not decode the PNG");
    assertEquals(Plot.WIDTH, img.getWidth());
    assertEquals(Plot.HEIGHT, img.getHeight());
    // something other than the white background was drawn inside the plot area
    int drawn = 0;
    for (int x = 100; x < 600; x += 5) {
      for (int y = 60; y < 440; y += 5) {
        if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) {
          drawn++;
        }
      }
    }
    assertTrue(drawn > 50, "plot area looks empty: " + drawn);
  }

  @Test
  void svgIsWellFormedWithTicksAxisLabelsAndLegend() throws Exception {
    Path svg = dir.resolve("ndcg.svg");
    Plot.metricVsDims(svg, report(), EvalReport.NDCG_AT_10);
    Document doc = parseXml(svg);
    assertEquals("svg", doc.getDocumentElement().getLocalName());
    assertEquals(String.valueOf(Plot.WIDTH), doc.getDocumentElement().getAttribute("width"));
    List<String> texts = texts(doc);
    for (String expected : List.of("32", "64", "128", "256", "384", "ndcg@10", "dims (log2 scale)",
        "exact / none", "exact / rotation", "index / none", "scifact \u2014 bge-small-en-v1.5")) {
      assertTrue(texts.contains(expected), "missing text '" + expected + "' in " + texts);
    }
    // two series with five points, one with a single point: 2 lines, 11 markers + 3 legend markers
    assertEquals(2, doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline").getLength());
    assertEquals(14, doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "circle").getLength());
  }

  @Test
  void generalXyPlotEscapesLabelsAndSupportsLogAxis() throws Exception {
    Path svg = dir.resolve("recall-qps.svg");
    List<Plot.Series> series = List.of(
        new Plot.Series("matryoshka <64> & rerank", new double[] {200, 1500, 9000}, new double[] {0.99, 0.95, Double.NaN}),
        new Plot.Series("lucene hnsw", new double[] {150, 900}, new double[] {0.98, 0.9}));
    Plot.xy(svg, "recall vs QPS", "queries per second", "recall@10", Plot.Scale.LOG10, series);
    List<String> texts = texts(parseXml(svg));
    assertTrue(texts.contains("matryoshka <64> & rerank"), texts.toString());
    assertTrue(texts.contains("100") && texts.contains("1000") && texts.contains("10000"), texts.toString());
    Path png = dir.resolve("oversample.PNG");
    Plot.xy(png, "nDCG@10 vs oversample", "oversample", "nDCG@10", Plot.Scale.LINEAR,
        List.of(new Plot.Series("64 dims", new double[] {1, 2, 4, 8}, new double[] {0.6, 0.64, 0.65, 0.65})));
    assertEquals(Plot.WIDTH, ImageIO.read(png.toFile()).getWidth());
  }

  @Test
  void emptyChartStillRenders() throws Exception {
    Path svg = dir.resolve("empty.svg");
    Plot.xy(svg, "nothing", "x", "y", Plot.Scale.LINEAR, List.of());
    assertTrue(texts(parseXml(svg)).contains("nothing"));
  }

  @Test
  void rejectsBadInput() {
    assertThrows(IllegalArgumentException.class,
        () -> Plot.metricVsDims(dir.resolve("x.jpg"), report(), EvalReport.NDCG_AT_10));
    assertThrows(IllegalArgumentException.class,
        () -> Plot.metricVsDims(dir.resolve("x.svg"), report(), EvalReport.SPEARMAN));
    assertThrows(IllegalArgumentException.class, () -> Plot.xy(dir.resolve("x.svg"), "t", "x", "y",
        Plot.Scale.LOG2, List.of(new Plot.Series("s", new double[] {0, 1}, new double[] {1, 2}))));
    assertThrows(IllegalArgumentException.class,
        () -> new Plot.Series("s", new double[] {1}, new double[] {1, 2}));
    assertTrue(Files.notExists(dir.resolve("x.jpg")));
  }

  @Test
  void niceTicksAreRoundAndCoverTheRange() {
    assertArrayEquals(new double[] {0.5, 0.55, 0.6, 0.65, 0.7}, Plot.niceTicks(0.52, 0.68), 1e-12);
    assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10}, Plot.niceTicks(0, 10), 1e-12);
    double[] flat = Plot.niceTicks(0.5, 0.5);
    assertTrue(flat[0] < 0.5 && flat[flat.length - 1] > 0.5);
  }
}
