package dev.matryoshka.reindex;

import dev.matryoshka.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the command line in this JVM, capturing its output. */
final class Main0 {
  private Main0() {}

  record Result(int code, String out, String err, double seconds) {}

  static Result run(List<String> args, Path to) {
    List<String> a = new ArrayList<>(args);
    if (to != null) {
      a.add("--to");
      a.add(to.toString());
    }
    return run(a.toArray(String[]::new));
  }

  static Result run(String... args) {
    var cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    long t0 = System.nanoTime();
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString(), (System.nanoTime() - t0) / 1e9);
  }
}
