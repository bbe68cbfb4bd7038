package dev.matryoshka.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus where the PCA order is wrong for retrieval: documents vary most in dims 0..11 (noise
 * no query asks about), while queries and their relevant documents share a topic in the quieter
 * dims 12..27. The centred PCA fills a 16-dim prefix with the noise and a quarter of the topic
 * space, so prefixes rank poorly; the supervised rotation must move the whole topic space to the
 * front, and rank topics it never saw.
 */
class QueryRotationTrainerTest {

  private static final int DIMS = 32;
  private static final int HALF = 16; // the prefix
  private static final int NOISE = 12; // dims 0..11: loud noise
  private static final int TOPIC_END = 28; // dims 12..27: the topics

  /** Topics, their relevant documents (3 each), and pairs; documents join the pool. */
  private record Data(float[][] pool, float[][] queries, float[][] relevant, int[] relevantRow) {}

  private static Data data(Random rnd, int topics, List<float[]> pool) {
    List<float[]> qs = new ArrayList<>();
    List<float[]> rel = new ArrayList<>();
    List<Integer> rows = new ArrayList<>();
    for (int t = 0; t < topics; t++) {
      float[] topic = new float[DIMS];
      for (int j = NOISE; j < TOPIC_END; j++) {
        topic[j] = (float) rnd.nextGaussian() * 0.35f;
      }
      float[] q = topic.clone();
      for (int j = 0; j < DIMS; j++) {
        q[j] += (float) rnd.nextGaussian() * 0.02f;
      }
      for (int r = 0; r < 3; r++) {
        float[] d = topic.clone();
        for (int j = 0; j < NOISE; j++) {
          d[j] = (float) rnd.nextGaussian();
        }
        for (int j = NOISE; j < DIMS; j++) {
          d[j] += (float) rnd.nextGaussian() * 0.05f;
        }
        rows.add(pool.size());
        pool.add(d);
        qs.add(q);
        rel.add(d);
      }
    }
    return new Data(null, qs.toArray(float[][]::new), rel.toArray(float[][]::new),
        rows.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Mean reciprocal rank of each pair's document among the pool, by prefix dot product. */
  private static double mrr(RotationAdapter r, float[][] pool, float[][] queries, int[] rows, int prefix) {
    float[][] p = r.applyAll(pool);
    float[][] q = r.applyAll(queries);
    double sum = 0;
    for (int i = 0; i < q.length; i++) {
      double target = Synthetic.dot(q[i], p[rows[i]], prefix);
      int above = 0;
      for (float[] d : p) {
        if (Synthetic.dot(q[i], d, prefix) > target) {
          above++;
        }
      }
      sum += 1.0 / (above + 1);
    }
    return sum / q.length;
  }

  private static final class Fixture {
    final float[][] pool;
    final Data train;
    final Data unseen;

    Fixture() {
      Random rnd = new Random(7);
      List<float[]> pool = new ArrayList<>();
      train = data(rnd, 200, pool);
      unseen = data(rnd, 30, pool);
      for (int i = 0; i < 300; i++) { // documents no query is about
        float[] d = new float[DIMS];
        for (int j = 0; j < DIMS; j++) {
          d[j] = (float) rnd.nextGaussian() * (j < NOISE ? 1f : j < TOPIC_END ? 0.35f : 0.05f);
        }
        pool.add(d);
      }
      this.pool = pool.toArray(float[][]::new);
    }
  }

  // the start (PCA) is orthogonal to the topics here, far from SciFact's case: longer steps
  private static final QueryRotationTrainer.Options OPTIONS =
      new QueryRotationTrainer.Options("m", 0.05, 0.2, 150, 30, 100, 0.02);

  private static RotationAdapter train(Fixture f, TrainingListener listener) {
    return new QueryRotationTrainer(OPTIONS, listener)
        .train(f.pool, f.train.queries(), f.train.relevant());
  }

  @Test
  void movesQueryRelevantDirectionsToThePrefixAndStaysOrthogonal() {
    Fixture f = new Fixture();
    List<TrainingListener.EpochReport> reports = new ArrayList<>();
    RotationAdapter supervised = train(f, reports::add);
    RotationAdapter pca = RotationAdapter.fit(f.pool, RotationOptions.forModel("m").withCentered(true));

    double before = mrr(pca, f.pool, f.unseen.queries(), f.unseen.relevantRow(), HALF);
    double after = mrr(supervised, f.pool, f.unseen.queries(), f.unseen.relevantRow(), HALF);
    double full = mrr(pca, f.pool, f.unseen.queries(), f.unseen.relevantRow(), DIMS); // the ceiling
    // (three documents per topic are equally relevant, so even the full vectors give MRR ~0.6)
    assertTrue(before < 0.1, "PCA prefix should rank these topics poorly; MRR=" + before);
    assertTrue(after > 0.3 && after > 0.5 * full,
        "supervised prefix MRR on unseen topics " + after + " (PCA " + before + ", full dims " + full + ")");

    // a rotation: every full-dimension dot product is unchanged
    float[][] some = Arrays.copyOf(f.pool, 40);
    float[][] rotated = supervised.applyAll(some);
    for (int i = 0; i < some.length; i++) {
      for (int j = 0; j < some.length; j++) {
        assertEquals(Synthetic.dot(some[i], some[j], DIMS), Synthetic.dot(rotated[i], rotated[j], DIMS), 1e-4);
      }
    }
    assertEquals(RotationAdapter.Fit.SUPERVISED, supervised.fitKind());
    assertEquals(0, reports.get(0).epoch());
    assertTrue(reports.stream().anyMatch(r -> r.epoch() > 0 && r.improved()), "no iteration improved");
  }

  @Test
  void sameInputsGiveTheSameFileBytesAndTheFlagSurvives(@TempDir Path dir) throws Exception {
    Fixture f = new Fixture();
    Path a = dir.resolve("a.bin");
    Path b = dir.resolve("b.bin");
    AdapterIO.write(train(f, null), a);
    AdapterIO.write(train(f, TrainingListener.printing(new PrintWriter(new ByteArrayOutputStream()))), b);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    Adapter read = AdapterIO.read(a, "m");
    assertTrue(read instanceof RotationAdapter r && r.fitKind() == RotationAdapter.Fit.SUPERVISED, "read back: " + read);
    assertTrue(read.toString().contains("supervised"), read.toString());
  }

  @Test
  void distillingFromQueriesAloneAlsoFindsTheTopics(@TempDir Path dir) throws Exception {
    // no relevance at all: the full-dimension ranking of the training queries is the target
    Fixture f = new Fixture();
    RotationAdapter distilled = new QueryRotationTrainer(OPTIONS, null).distill(f.pool, f.train.queries());
    RotationAdapter pca = RotationAdapter.fit(f.pool, RotationOptions.forModel("m").withCentered(true));
    double before = mrr(pca, f.pool, f.unseen.queries(), f.unseen.relevantRow(), HALF);
    double after = mrr(distilled, f.pool, f.unseen.queries(), f.unseen.relevantRow(), HALF);
    // slower than with judgments (the target also asks the prefix to order the other topics'
    // documents), but it must clearly move toward the topic space: measured 0.124 vs 0.066
    assertTrue(after > 1.5 * before, "distilled prefix MRR " + after + " (PCA " + before + ")");
    assertEquals("rotation-distilled", distilled.label());
    Path file = dir.resolve("d.bin");
    AdapterIO.write(distilled, file);
    assertEquals("rotation-distilled", AdapterIO.read(file, "m").label());
  }

  @Test
  void rankDeficientPoolStillGivesARotation() {
    // documents span only 12 of 32 dims (plus exact duplicates): the covariance has a 20-fold
    // zero eigenvalue, and the completion must still return 32 orthonormal rows
    Random rnd = new Random(5);
    float[][] pool = new float[120][DIMS];
    for (int i = 0; i < 60; i++) {
      for (int j = 0; j < 12; j++) pool[i][j] = (float) rnd.nextGaussian();
      pool[60 + i] = pool[i].clone();
    }
    float[][] q = new float[40][];
    float[][] d = new float[40][];
    for (int i = 0; i < 40; i++) {
      q[i] = pool[i].clone();
      q[i][0] += 0.1f;
      d[i] = pool[i];
    }
    RotationAdapter r = new QueryRotationTrainer(OPTIONS, null).train(pool, q, d);
    float[][] unit = new float[DIMS][DIMS];
    for (int i = 0; i < DIMS; i++) unit[i][i] = 1;
    float[][] rows = r.applyAll(unit); // R e_i = column i of R
    for (int i = 0; i < DIMS; i++) {
      for (int j = 0; j < DIMS; j++) {
        assertEquals(i == j ? 1 : 0, Synthetic.dot(rows[i], rows[j], DIMS), 1e-5, "R^T R at " + i + "," + j);
      }
    }
  }

  @Test
  void refusesTooFewQueriesNamingTheMinimum() {
    Fixture f = new Fixture();
    // 6 topics x 3 pairs: 6 distinct queries
    float[][] q = Arrays.copyOf(f.train.queries(), 18);
    float[][] d = Arrays.copyOf(f.train.relevant(), 18);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new QueryRotationTrainer(QueryRotationTrainer.Options.forModel("m"), null).train(f.pool, q, d));
    assertTrue(e.getMessage().contains("at least " + QueryRotationTrainer.MIN_QUERIES)
        && e.getMessage().contains("got 6"), e.getMessage());
  }

  @Test
  void refusesMismatchedOrNonFinitePairs() {
    Fixture f = new Fixture();
    assertThrows(IllegalArgumentException.class, () -> new QueryRotationTrainer(
        QueryRotationTrainer.Options.forModel("m"), null).train(f.pool, f.train.queries(),
        Arrays.copyOf(f.train.relevant(), 5)));
    float[][] q = f.train.queries().clone();
    q[3] = q[3].clone();
    q[3][2] = Float.NaN;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QueryRotationTrainer(
        QueryRotationTrainer.Options.forModel("m"), null).train(f.pool, q, f.train.relevant()));
    assertTrue(e.getMessage().contains("pair query 3") && e.getMessage().contains("dim 2"), e.getMessage());
  }
}
