package dev.matryoshka.eval;

/**
 * Retrieval quality averaged over the evaluated queries: nDCG@10, recall@100 and MRR@10, each in
 * {@code [0, 1]}, as trec_eval / pytrec_eval (and therefore BEIR and MTEB) define them.
 *
 * @param ndcgAt10 mean nDCG@10 with graded gains
 * @param recallAt100 mean recall@100
 * @param mrrAt10 mean reciprocal rank of the first relevant document within the top 10
 * @param queries how many queries the means are over
 */
public record RetrievalScores(double ndcgAt10, double recallAt100, double mrrAt10, int queries) {}
