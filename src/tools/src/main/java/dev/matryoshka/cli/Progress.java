package dev.matryoshka.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Progress on stderr: count, rate, percentage and ETA when the total is known. Redraws one line
 * on a terminal; prints a line every few seconds when stderr is a file or pipe.
 */
public final class Progress {
  private final PrintWriter err;
  private final String unit;
  private final long total;
  private final DoubleSupplier fraction;
  private final boolean tty;
  private final long start = System.nanoTime();
  private long lastPrint;
  private long count;

  /**
   * @param total expected count, or -1 when unknown
   * @param fraction fraction done, used for the ETA when the total is unknown (may be null)
   */
  public Progress(PrintWriter err, String unit, long total, DoubleSupplier fraction) {
    this.err = err;
    this.unit = unit;
    this.total = total;
    this.fraction = fraction;
    this.tty = System.console() != null;
  }

  /** Sets the count and redraws if due. */
  public void update(long count) {
    this.count = count;
    long now = System.nanoTime();
    long every = tty ? 200_000_000L : 5_000_000_000L;
    if (now - lastPrint >= every) {
      lastPrint = now;
      print(false);
    }
  }

  /** Adds to the count. */
  public void add(long n) {
    update(count + n);
  }

  /** Prints the final line. */
  public void finish() {
    print(true);
  }

  /** Seconds since start. */
  public double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  private void print(boolean last) {
    double secs = Math.max(seconds(), 1e-9);
    double rate = count / secs;
    double frac = total > 0 ? count / (double) total : fraction != null ? fraction.getAsDouble() : -1;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%,d %s  %,.0f %s/s", count, unit, rate, unit));
    if (frac >= 0 && !last) {
      double eta = frac > 0 ? secs * (1 - frac) / frac : Double.NaN;
      sb.append(String.format(Locale.ROOT, "  %5.1f%%  ETA %s", 100 * frac, clock(eta)));
      sb.insert(0, bar(frac) + " ");
    }
    if (last) {
      sb.append(String.format(Locale.ROOT, "  in %s", clock(secs)));
    }
    if (tty) {
      err.print("\r\033[K" + sb + (last ? "\n" : ""));
    } else {
      err.println(sb);
    }
    err.flush();
  }

  private static String bar(double frac) {
    int w = 24;
    int n = (int) Math.round(Math.max(0, Math.min(1, frac)) * w);
    return "[" + "#".repeat(n) + "-".repeat(w - n) + "]";
  }

  static String clock(double secs) {
    if (Double.isNaN(secs) || Double.isInfinite(secs)) {
      return "--:--";
    }
    long s = Math.round(secs);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
