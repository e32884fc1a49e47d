/**
 * Top-k ranking metrics for recommenders, per query and averaged over queries in cumulative,
 * sliding-window and fading views:
 * precision@k = hits in the top k / k; recall@k = hits in the top k / |relevant| (NaN without
 * relevant items); nDCG@k = DCG@k / IDCG@k with binary gains, DCG = Σ_{i<k, hit} 1/log2(i + 2) and
 * IDCG the DCG of a perfect list of min(k, |relevant|) hits.
 */

import { checkInteger } from '../learner.ts';
import { type Tally, type ViewOptions, Views } from './views.ts';

/**
 * precision@k.
 *
 * @example
 * precisionAtK(['a', 'b', 'c'], new Set(['a', 'c']), 2); // 0.5
 */
export function precisionAtK<T>(ranked: readonly T[], relevant: ReadonlySet<T>, k: number): number {
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
  return hits / k;
}

/**
 * recall@k.
 *
 * @example
 * recallAtK(['a', 'b', 'c'], new Set(['a', 'c']), 2); // 0.5
 */
export function recallAtK<T>(ranked: readonly T[], relevant: ReadonlySet<T>, k: number): number {
  if (relevant.size === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
  return hits / relevant.size;
}

/**
 * nDCG@k with binary relevance.
 *
 * @example
 * ndcgAtK(['b', 'a'], new Set(['a']), 2); // 1 / log2(3) ≈ 0.631
 */
export function ndcgAtK<T>(ranked: readonly T[], relevant: ReadonlySet<T>, k: number): number {
  if (relevant.size === 0) return Number.NaN;
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++)
    if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/** One view's sums of per-query metrics. */
export class RankingTally implements Tally {
  n = 0;
  precisionSum = 0;
  recallSum = 0;
  recallN = 0;
  ndcgSum = 0;

  add(r: Float64Array, w: number): void {
    this.n += w;
    this.precisionSum += r[0] * w;
    if (!Number.isNaN(r[1])) {
      this.recallSum += r[1] * w;
      this.ndcgSum += r[2] * w;
      this.recallN += w;
    }
  }

  scale(f: number): void {
    this.n *= f;
    this.precisionSum *= f;
    this.recallSum *= f;
    this.recallN *= f;
    this.ndcgSum *= f;
  }

  precision(): number {
    return this.precisionSum / this.n;
  }

  /** Mean recall@k over the queries that had relevant items. */
  recall(): number {
    return this.recallSum / this.recallN;
  }

  /** Mean nDCG@k over the queries that had relevant items. */
  ndcg(): number {
    return this.ndcgSum / this.recallN;
  }
}

/**
 * Mean precision@k, recall@k and nDCG@k over queries.
 *
 * @example
 * const ranking = new RankingMetrics({ k: 10 });
 * ranking.update(recommendedIds, new Set(likedIds));
 * ranking.cumulative.ndcg();
 */
export class RankingMetrics {
  readonly k: number;
  private readonly views: Views<RankingTally>;
  private readonly record = new Float64Array(3);

  constructor(options: ViewOptions & { k?: number } = {}) {
    this.k = checkInteger('RankingMetrics', 'k', options.k ?? 10, 1, 1_000_000);
    this.views = new Views(() => new RankingTally(), 3, options);
  }

  get cumulative(): RankingTally {
    return this.views.cumulative;
  }

  get window(): RankingTally {
    return this.views.window;
  }

  get fading(): RankingTally {
    return this.views.fading;
  }

  update<T>(ranked: readonly T[], relevant: ReadonlySet<T>): void {
    this.record[0] = precisionAtK(ranked, relevant, this.k);
    this.record[1] = recallAtK(ranked, relevant, this.k);
    this.record[2] = ndcgAtK(ranked, relevant, this.k);
    this.views.push(this.record);
  }
}
