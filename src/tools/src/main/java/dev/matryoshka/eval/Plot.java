package dev.matryoshka.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * Line charts for reports, written as hand-made SVG or as PNG through java.awt (headless), chosen
 * by the file extension. No plotting dependency: the charts are simple and the SVG stays diffable.
 *
 * <pre>{@code
 * Plot.metricVsDims(Path.of("ndcg.svg"), report, EvalReport.NDCG_AT_10);
 * Plot.xy(Path.of("recall-qps.png"), "HNSW", "QPS", "recall@10", Plot.Scale.LOG10,
 *     List.of(new Plot.Series("matryoshka", qps, recall)));
 * }</pre>
 */
public final class Plot {
  /** How the x axis maps values; log axes need x &gt; 0. */
  public enum Scale {
    /** Evenly spaced values. */
    LINEAR,
    /** Powers of two evenly spaced: the natural axis for prefix lengths. */
    LOG2,
    /** Powers of ten evenly spaced: for throughput and other wide ranges. */
    LOG10
  }

  /**
   * One named line: points drawn in the given order; a NaN y breaks the line there.
   *
   * @param label legend text
   * @param x x values
   * @param y y values, same length as {@code x}
   */
  public record Series(String label, double[] x, double[] y) {
    /** Checks the arrays and copies them, so later changes by the caller do not leak in. */
    public Series {
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(x, "x");
      Objects.requireNonNull(y, "y");
      if (x.length != y.length) {
        throw new IllegalArgumentException(
            "series '" + label + "': x has " + x.length + " values, y has " + y.length);
      }
      x = x.clone();
      y = y.clone();
    }
  }

  /** Image width in pixels (SVG and PNG). */
  public static final int WIDTH = 800;

  /** Image height in pixels (SVG and PNG). */
  public static final int HEIGHT = 500;

  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#000000", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#e7ba52", "#ad494a", "#a55194"
  };
  private static final double LEFT = 72;
  private static final double RIGHT = WIDTH - 190;
  private static final double TOP = 44;
  private static final double BOTTOM = HEIGHT - 56;
  private static final int MAX_LEGEND_CHARS = 26;

  private Plot() {}

  /**
   * Writes a general XY chart with several named series.
   *
   * @param out a {@code .svg} or {@code .png} file; parent folders are created
   * @throws IllegalArgumentException on another extension, or x &le; 0 on a log axis
   */
  public static void xy(
      Path out, String title, String xLabel, String yLabel, Scale xScale, List<Series> series)
      throws IOException {
    write(out, new Spec(title, xLabel, yLabel, xScale, List.copyOf(series), null));
  }

  /**
   * Writes {@code metric} against dims, x on a log2 axis with a tick at each dims value, one line
   * per (mode, adapter) in the order the report first lists them.
   *
   * @param metric a JSON key such as {@link EvalReport#NDCG_AT_10}
   * @throws IllegalArgumentException if no row of the report has that metric
   */
  public static void metricVsDims(Path out, EvalReport report, String metric) throws IOException {
    Map<String, List<EvalReport.Row>> groups = new LinkedHashMap<>();
    TreeSet<Integer> dims = new TreeSet<>();
    for (EvalReport.Row r : report.rows()) {
      if (r.metric(metric) != null) {
        groups.computeIfAbsent(r.mode() + " / " + r.adapter(), k -> new ArrayList<>()).add(r);
        dims.add(r.dims());
      }
    }
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("no row of the report has metric '" + metric + "'");
    }
    List<Series> series = new ArrayList<>();
    groups.forEach((label, rows) -> {
      List<EvalReport.Row> sorted =
          rows.stream().sorted((a, b) -> Integer.compare(a.dims(), b.dims())).toList();
      series.add(new Series(label,
          sorted.stream().mapToDouble(EvalReport.Row::dims).toArray(),
          sorted.stream().mapToDouble(r -> r.metric(metric)).toArray()));
    });
    String title = report.dataset() + " \u2014 " + report.model();
    double[] ticks = dims.stream().mapToDouble(Integer::doubleValue).toArray();
    write(out, new Spec(title, "dims (log2 scale)", metric.replace("_at_", "@"), Scale.LOG2, series, ticks));
  }

  private record Spec(
      String title, String xLabel, String yLabel, Scale scale, List<Series> series, double[] xTicks) {}

  private static void write(Path out, Spec spec) throws IOException {
    Objects.requireNonNull(out, "out");
    String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean svg = name.endsWith(".svg");
    if (!svg && !name.endsWith(".png")) {
      throw new IllegalArgumentException("plot file must end in .svg or .png; got=" + out);
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (svg) {
      PlotCanvas.Svg canvas = new PlotCanvas.Svg(WIDTH, HEIGHT);
      draw(canvas, spec);
      Files.writeString(out, canvas.finish(), StandardCharsets.UTF_8);
    } else {
      // set before the first AWT class loads; servers and CI have no display
      if (System.getProperty("java.awt.headless") == null) {
        System.setProperty("java.awt.headless", "true");
      }
      PlotCanvas.Awt canvas = new PlotCanvas.Awt(WIDTH, HEIGHT);
      draw(canvas, spec);
      if (!ImageIO.write(canvas.finish(), "png", out.toFile())) {
        throw new IOException("no PNG writer available in this JVM");
      }
    }
  }

  private static double tx(Scale s, double x) {
    return switch (s) {
      case LINEAR -> x;
      case LOG2 -> Math.log(x) / Math.log(2);
      case LOG10 -> Math.log10(x);
    };
  }

  private static double untx(Scale s, double t) {
    return switch (s) {
      case LINEAR -> t;
      case LOG2 -> Math.pow(2, t);
      case LOG10 -> Math.pow(10, t);
    };
  }

  private static void draw(PlotCanvas c, Spec spec) {
    Scale scale = spec.scale();
    double xMin = Double.POSITIVE_INFINITY;
    double xMax = Double.NEGATIVE_INFINITY;
    double yMin = Double.POSITIVE_INFINITY;
    double yMax = Double.NEGATIVE_INFINITY;
    for (Series s : spec.series()) {
      for (int i = 0; i < s.x().length; i++) {
        double x = s.x()[i];
        double y = s.y()[i];
        if (scale != Scale.LINEAR && !(x > 0)) {
          throw new IllegalArgumentException("series '" + s.label() + "': x=" + x
              + " cannot be shown on a " + scale.name().toLowerCase(Locale.ROOT) + " axis");
        }
        if (Double.isFinite(x) && Double.isFinite(y)) {
          xMin = Math.min(xMin, tx(scale, x));
          xMax = Math.max(xMax, tx(scale, x));
          yMin = Math.min(yMin, y);
          yMax = Math.max(yMax, y);
        }
      }
    }
    if (xMin > xMax) { // nothing to draw: still give the reader labelled, empty axes
      xMin = 0;
      xMax = 1;
      yMin = 0;
      yMax = 1;
    }

    // a little headroom keeps markers off the frame when a value lands exactly on a tick
    double yPad = 0.03 * (yMax - yMin);
    double[] yTicks = niceTicks(yMin >= 0 ? Math.max(0, yMin - yPad) : yMin - yPad, yMax + yPad);
    double y0 = yTicks[0];
    double y1 = yTicks[yTicks.length - 1];
    double[] xTicks; // in transformed units
    double x0;
    double x1;
    if (spec.xTicks() != null) {
      xTicks = Arrays.stream(spec.xTicks()).map(v -> tx(scale, v)).toArray();
      double pad = xMax > xMin ? 0.05 * (xMax - xMin) : 0.5;
      x0 = xMin - pad;
      x1 = xMax + pad;
    } else if (scale == Scale.LINEAR) {
      xTicks = niceTicks(xMin, xMax);
      x0 = xTicks[0];
      x1 = xTicks[xTicks.length - 1];
    } else {
      double e0 = Math.floor(xMin + 1e-9);
      double e1 = Math.max(Math.ceil(xMax - 1e-9), e0 + 1);
      int step = (int) Math.max(1, Math.ceil((e1 - e0) / 10));
      List<Double> t = new ArrayList<>();
      for (double e = e0; e <= e1 + 1e-9; e += step) {
        t.add(e);
      }
      xTicks = t.stream().mapToDouble(Double::doubleValue).toArray();
      x0 = e0;
      x1 = Math.max(e1, xTicks[xTicks.length - 1]);
    }
    final double fx0 = x0;
    final double fx1 = x1;
    java.util.function.DoubleUnaryOperator px = t -> LEFT + (t - fx0) / (fx1 - fx0) * (RIGHT - LEFT);
    java.util.function.DoubleUnaryOperator py = v -> BOTTOM - (v - y0) / (y1 - y0) * (BOTTOM - TOP);

    c.text((LEFT + RIGHT) / 2, TOP / 2, spec.title(), 16, PlotCanvas.Anchor.MIDDLE, false, true);
    int yDecimals = decimals(yTicks);
    for (double v : yTicks) {
      double y = py.applyAsDouble(v);
      c.line(LEFT, y, RIGHT, y, "#e3e3e3", 1, false);
      c.line(LEFT - 5, y, LEFT, y, "#444444", 1, false);
      c.text(LEFT - 8, y, format(v, yDecimals), 11, PlotCanvas.Anchor.END, false, false);
    }
    double[] xValues = Arrays.stream(xTicks).map(t -> untx(scale, t)).toArray();
    int xDecimals = scale == Scale.LINEAR ? decimals(xTicks) : -1;
    for (int i = 0; i < xTicks.length; i++) {
      double x = px.applyAsDouble(xTicks[i]);
      c.line(x, TOP, x, BOTTOM, "#e3e3e3", 1, false);
      c.line(x, BOTTOM, x, BOTTOM + 5, "#444444", 1, false);
      c.text(x, BOTTOM + 16, format(xValues[i], xDecimals), 11, PlotCanvas.Anchor.MIDDLE, false, false);
    }
    c.line(LEFT, TOP, LEFT, BOTTOM, "#444444", 1, false);
    c.line(LEFT, BOTTOM, RIGHT, BOTTOM, "#444444", 1, false);
    c.text((LEFT + RIGHT) / 2, HEIGHT - 16, spec.xLabel(), 13, PlotCanvas.Anchor.MIDDLE, false, false);
    c.text(18, (TOP + BOTTOM) / 2, spec.yLabel(), 13, PlotCanvas.Anchor.MIDDLE, true, false);

    List<Series> series = spec.series();
    for (int s = 0; s < series.size(); s++) {
      String color = COLORS[s % COLORS.length];
      Series ser = series.get(s);
      double[] xs = new double[ser.x().length];
      double[] ys = new double[ser.x().length];
      int n = 0;
      for (int i = 0; i <= ser.x().length; i++) {
        boolean ok = i < ser.x().length && Double.isFinite(ser.x()[i]) && Double.isFinite(ser.y()[i]);
        if (ok) {
          xs[n] = px.applyAsDouble(tx(scale, ser.x()[i]));
          ys[n] = py.applyAsDouble(ser.y()[i]);
          n++;
        } else {
          if (n > 1) {
            c.polyline(xs, ys, n, color, 2);
          }
          for (int p = 0; p < n; p++) {
            c.circle(xs[p], ys[p], 3.5, color);
          }
          n = 0;
        }
      }
    }

    if (!series.isEmpty()) {
      double lx = RIGHT + 16;
      double ly = TOP;
      double lh = 20;
      c.rect(lx - 8, ly - 4, WIDTH - lx - 4, series.size() * lh + 8, "#bbbbbb", "#ffffff");
      for (int s = 0; s < series.size(); s++) {
        String color = COLORS[s % COLORS.length];
        double y = ly + s * lh + lh / 2;
        c.line(lx, y, lx + 22, y, color, 2, false);
        c.circle(lx + 11, y, 3.5, color);
        String label = series.get(s).label();
        if (label.length() > MAX_LEGEND_CHARS) {
          label = label.substring(0, MAX_LEGEND_CHARS - 1) + "\u2026";
        }
        c.text(lx + 28, y, label, 11, PlotCanvas.Anchor.START, false, false);
      }
    }
  }

  /** Round tick values (1, 2, 2.5 or 5 times a power of ten) covering {@code [min, max]}. */
  static double[] niceTicks(double min, double max) {
    if (max - min < 1e-12 * Math.max(1, Math.abs(max))) {
      double pad = min == 0 ? 0.5 : Math.abs(min) * 0.1;
      min -= pad;
      max += pad;
    }
    double raw = (max - min) / 5;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / mag;
    double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    long first = (long) Math.floor(min / step + 1e-9);
    long last = (long) Math.ceil(max / step - 1e-9);
    double[] ticks = new double[(int) (last - first + 1)];
    for (int i = 0; i < ticks.length; i++) {
      // multiply rather than accumulate, so 0.1 + 0.2 style drift cannot creep into labels
      ticks[i] = (first + i) * step;
    }
    return ticks;
  }

  /** Decimals needed to tell evenly spaced ticks apart. */
  private static int decimals(double[] ticks) {
    if (ticks.length < 2) {
      return 2;
    }
    double step = Math.abs(ticks[1] - ticks[0]);
    for (int d = 0; d <= 6; d++) {
      double scaled = step * Math.pow(10, d);
      if (Math.abs(scaled - Math.rint(scaled)) < 1e-6 * Math.max(1, scaled)) {
        return d;
      }
    }
    return 6;
  }

  /** Formats a tick; {@code decimals < 0} means "as short as exact" for log-axis powers. */
  private static String format(double v, int decimals) {
    if (decimals >= 0) {
      return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
    if (Math.abs(v - Math.rint(v)) < 1e-9 * Math.max(1, Math.abs(v))) {
      long r = Math.round(v);
      return Math.abs(r) >= 1_000_000 ? String.format(Locale.ROOT, "%.0e", v) : Long.toString(r);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
