/**
 * Quality evaluation: BEIR and STS loaders, the standard retrieval metrics (nDCG@10, recall@100,
 * MRR@10) and Spearman correlation, exact-search baselines over embedding matrices, reports and
 * plots.
 *
 * <p>This package takes embeddings as plain {@code float[][]} or as encoder functions, so it can
 * score any model, prefix length or adapter without depending on how the vectors were made.
 *
 * <pre>{@code
 * BeirDataset ds = BeirDataset.load(Path.of("scifact"), "test");
 * RetrievalScores s = RetrievalEvaluator.exact(ds, queryVecs, docVecs, ExactRetrieval.Similarity.COSINE, 64);
 * }</pre>
 */
package dev.matryoshka.eval;
