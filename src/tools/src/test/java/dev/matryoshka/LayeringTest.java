package dev.matryoshka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of DESIGN.md, checked on every main source file of every module. Maven already
 * refuses an import from a module that is not a dependency; this test adds the rules inside a
 * module (codec must not know search, encode must not know adapt, ...) and that each package lives
 * in its module. Main sources are {@code src/main/java} and the per-Lucene-release compat folders
 * {@code src/lucene-<release>/java} (the core's; module {@code core-lucene-10.6} compiles the
 * core's folders and holds no sources of its own).
 *
 * <pre>
 *   codec, encode, adapt          (know nothing of each other)
 *   document, search              (Lucene-level API over codec)
 *   training                      (learned adapters over adapt)
 *   index                         (the text facade: encoder + adapter + field + query)
 *   eval, bench, reindex, opensearch
 *   cli
 * </pre>
 */
class LayeringTest {

  /** Package → the project packages it may use (besides itself). */
  static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("codec", Set.of()),
      Map.entry("encode", Set.of()),
      Map.entry("adapt", Set.of()),
      Map.entry("document", Set.of("codec")),
      Map.entry("search", Set.of("codec", "document")),
      Map.entry("training", Set.of("adapt")),
      Map.entry("index", Set.of("codec", "document", "search", "encode", "adapt")),
      Map.entry("eval", Set.of("codec", "document", "search", "encode", "adapt", "index")),
      Map.entry("reindex", Set.of("codec", "document", "search", "encode", "adapt", "index")),
      Map.entry("opensearch", Set.of("codec", "document", "search", "encode", "adapt", "index")),
      // bench compares adapters it trains, and reads datasets through eval
      Map.entry("bench", Set.of("codec", "document", "search", "encode", "adapt", "index", "training", "eval")),
      Map.entry("cli", Set.of("codec", "document", "search", "encode", "adapt", "index", "training", "eval",
          "bench", "reindex")),
      // the embedded example is an application on matryoshka-core alone
      Map.entry("examples", Set.of("codec", "document", "search")));

  /** Package → the module (folder under src/) that holds it. */
  static final Map<String, String> MODULE = Map.ofEntries(
      Map.entry("codec", "core"), Map.entry("document", "core"), Map.entry("search", "core"),
      Map.entry("encode", "text"), Map.entry("adapt", "text"), Map.entry("index", "text"),
      Map.entry("training", "training"),
      Map.entry("eval", "tools"), Map.entry("bench", "tools"), Map.entry("reindex", "tools"),
      Map.entry("cli", "tools"),
      Map.entry("opensearch", "opensearch"),
      Map.entry("examples", "examples/embedded"));

  /** A main source root inside a module: the usual one, or a Lucene release's compat folder. */
  static final Pattern SOURCE_ROOT = Pattern.compile("/src/(main|lucene-[0-9.]+)/java/");

  /** Modules allowed to hold release compat folders (the code there must not depend on more than lucene-core). */
  static final Set<String> COMPAT_MODULES = Set.of("core");

  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.matryoshka\\.([a-z]+)\\b");
  private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

  @Test
  void everyMainSourceFollowsTheLayers() throws IOException {
    Path root = Path.of(System.getProperty("matryoshka.home", ".")).toAbsolutePath().normalize();
    List<Path> files = mainSources(root);
    assertTrue(files.size() > 100, "expected the project's main sources under " + root + "/src; found " + files.size());
    List<String> violations = new ArrayList<>();
    for (Path f : files) {
      violations.addAll(check(root, f));
    }
    assertEquals(List.of(), violations, "upward or sideways references between layers");
  }

  @Test
  void theCheckCatchesAnUpwardReference() {
    assertEquals(List.of("codec/X.java uses dev.matryoshka.search"),
        violations("codec", "codec/X.java", "package dev.matryoshka.codec;\nimport dev.matryoshka.search.MatryoshkaKnnQuery;\n"));
    assertEquals(List.of("encode/X.java uses dev.matryoshka.adapt"),
        violations("encode", "encode/X.java", "class X { Object a = new dev.matryoshka.adapt.RotationAdapter(); }"));
    assertEquals(List.of(), violations("codec", "codec/X.java", "/** see {@link dev.matryoshka.search.X} */ class X {}"));
  }

  @Test
  void everyLuceneReleaseFolderHasTheSameCompatClasses() throws IOException {
    Path core = Path.of(System.getProperty("matryoshka.home", ".")).toAbsolutePath().normalize().resolve("src/core/src");
    Map<String, Set<String>> byRelease = new java.util.TreeMap<>();
    try (Stream<Path> dirs = Files.list(core)) {
      for (Path d : (Iterable<Path>) dirs.filter(p -> p.getFileName().toString().startsWith("lucene-"))::iterator) {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(d)) {
          s.filter(p -> p.toString().endsWith(".java")).forEach(p -> names.add(d.relativize(p).toString()));
        }
        byRelease.put(d.getFileName().toString(), names);
      }
    }
    assertEquals(Set.of("lucene-10.4", "lucene-10.6"), byRelease.keySet());
    assertTrue(byRelease.get("lucene-10.4").contains("java/dev/matryoshka/codec/LuceneCompat.java"), byRelease.toString());
    assertEquals(byRelease.get("lucene-10.4"), byRelease.get("lucene-10.6"), "each compat class needs one version per release");
  }

  @Test
  void releaseCompatFoldersAreCheckedLikeMainSources(@org.junit.jupiter.api.io.TempDir Path root) throws IOException {
    Path compat = write(root, "core/src/lucene-10.6/java/dev/matryoshka/codec/LuceneCompat.java",
        "package dev.matryoshka.codec;\nimport dev.matryoshka.search.MatryoshkaKnnQuery;\n");
    assertEquals(List.of("core/src/lucene-10.6/java/dev/matryoshka/codec/LuceneCompat.java uses dev.matryoshka.search"),
        check(root, compat));
    Path elsewhere = write(root, "text/src/lucene-10.6/java/dev/matryoshka/encode/X.java", "package dev.matryoshka.encode;\n");
    assertEquals(List.of("text/src/lucene-10.6/java/dev/matryoshka/encode/X.java: Lucene release compat folders belong"
        + " to module core, not text"), check(root, elsewhere));
    assertTrue(mainSources(root).contains(compat), "the scan finds compat folders");
  }

  private static Path write(Path root, String rel, String source) throws IOException {
    Path f = root.resolve("src").resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, source, StandardCharsets.UTF_8);
    return f;
  }

  static List<String> check(Path root, Path file) {
    Path rel = root.resolve("src").relativize(file);
    Matcher sourceRoot = SOURCE_ROOT.matcher(rel.toString());
    if (!sourceRoot.find()) {
      return List.of(rel + " is in no main source root");
    }
    String module = rel.toString().substring(0, sourceRoot.start());
    if (!sourceRoot.group(1).equals("main") && !COMPAT_MODULES.contains(module)) {
      return List.of(rel + ": Lucene release compat folders belong to module core, not " + module);
    }
    String[] parts = rel.toString().substring(sourceRoot.end()).split("/");
    if (parts.length < 4 || !parts[0].equals("dev") || !parts[1].equals("matryoshka")) {
      return List.of(rel + " is outside dev.matryoshka");
    }
    String pkg = parts[2];
    List<String> out = new ArrayList<>();
    if (!module.equals(MODULE.get(pkg))) {
      out.add(rel + ": package " + pkg + " belongs in module " + MODULE.get(pkg) + ", not " + module);
      return out;
    }
    try {
      out.addAll(violations(pkg, rel.toString(), Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static List<String> violations(String pkg, String name, String source) {
    Set<String> allowed = ALLOWED.get(pkg);
    if (allowed == null) {
      return List.of(name + ": package " + pkg + " has no place in the layers (add it to LayeringTest)");
    }
    Set<String> used = new TreeSet<>();
    Matcher m = REFERENCE.matcher(COMMENTS.matcher(source).replaceAll(""));
    while (m.find()) {
      used.add(m.group(1));
    }
    List<String> out = new ArrayList<>();
    for (String u : used) {
      if (!u.equals(pkg) && !allowed.contains(u)) {
        out.add(name + " uses dev.matryoshka." + u);
      }
    }
    return out;
  }

  private static List<Path> mainSources(Path root) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root.resolve("src"))) {
      s.filter(p -> p.toString().endsWith(".java") && SOURCE_ROOT.matcher(p.toString()).find())
          .filter(p -> !p.toString().contains("/target/"))
          .forEach(out::add);
    }
    out.sort(null);
    return out;
  }
}
