/**
 * Explicit-feedback matrix factorisation by alternating least squares (ALS), with the weighted-λ
 * regularisation of ALS-WR (Zhou, Wilkinson, Schreiber & Pan 2008) that Spark MLlib's `ALS` uses.
 *
 * The model. Each user u gets a vector x_u and each item i a vector y_i of `rank` k latent factors;
 * the predicted rating is r̂_ui = x_uᵀ y_i. Training minimises, over the set R of observed ratings,
 *
 *     Σ_{(u,i)∈R} (r_ui − x_uᵀ y_i)²  +  λ · ( Σ_u n_u ‖x_u‖²  +  Σ_i n_i ‖y_i‖² )
 *
 * where n_u is the number of ratings of user u and n_i that of item i.
 *
 * Why alternate. The objective is not convex in (X, Y) jointly, but with Y fixed it splits into one
 * independent ridge regression per user, whose minimiser solves the k×k normal equations
 *
 *     (Y_uᵀ Y_u + λ n_u I) x_u = Y_uᵀ r_u
 *
 * (Y_u: the factors of the items u rated, one per row; r_u: u's ratings), and symmetrically for each
 * item with X fixed. Each half-sweep therefore lowers the objective to the exact minimum over one
 * side, so the loss never increases, and needs no learning rate. One iteration solves every item
 * given the users, then every user given the items — Spark's order — starting from user vectors
 * drawn from a Gaussian and scaled to unit length, as Spark initialises them.
 *
 * Why weighted λ. With a plain λ‖x_u‖², a user with 500 ratings is barely regularised while one
 * with 3 is shrunk hard, and the best λ moves with the rank. Scaling the penalty by n_u (and n_i)
 * makes it a per-rating penalty; Zhou et al. report that test RMSE then keeps improving as the rank
 * grows instead of overfitting. Spark adds `regParam · numExplicits` to the diagonal the same way, so
 * `regParam` here means what it means there (Spark's default 0.1; 0.05 in Microsoft's published
 * MovieLens benchmark, reference online-ml.md §2.1–2.2).
 *
 * Why Cholesky. Y_uᵀY_u is a Gram matrix (symmetric, positive semi-definite) and λ n_u I with
 * λ n_u > 0 makes the sum positive definite, so a Cholesky factorisation A = L Lᵀ exists, needs no
 * pivoting and is backward stable; it costs k³/6 multiply-adds, half of an LU, and two triangular
 * solves replace any explicit inverse. For k ≤ ~50 it is hand-written on flat Float64Arrays (see
 * `cholesky.ts`). Building the Gram matrices costs nnz·k²/2 per half-sweep and dominates: for
 * ml-latest-small at rank 10, ~5.5M multiply-adds per half-sweep against 10k solves of ~170 each;
 * 10 iterations on all 100,836 ratings take ~0.33 s single-threaded (bench/ml/als.ts).
 *
 * Fold-in. Because the last half-sweep solves the users, every trained user vector is the exact
 * solution of its normal equations for the final item factors. `foldIn` solves the same equations
 * for any (new or changed) user's ratings with the item factors fixed: one exact ALS half-step for
 * that user, so new users get recommendations without retraining, and folding in a trained user's
 * own ratings reproduces its vector.
 *
 * Cold start. A user or item that was never seen has no factors; `predictOne` returns NaN for it
 * (Spark's `coldStartStrategy = "nan"`), and `evaluateRatings` drops such pairs (Spark's "drop").
 */

import { LabelSet } from '../label-set.ts';
import {
  checkInteger,
  checkNumber,
  encodeModel,
  type ModelJSON,
  registerModelKind,
  type Serializable,
} from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { choleskySolve } from './cholesky.ts';
import { decodeFloats, decodeInts, encodeArray } from './factor-codec-v1.ts';
import {
  checkId,
  checkRatingValue,
  grow,
  type Id,
  type ItemRating,
  type Rating,
  RatingMatrix,
} from './rating-matrix.ts';
import { TopN } from './top-n.ts';

/** Training options of `AlsModel.train`. */
export interface AlsOptions {
  /** Number of latent factors k, 1..256 (default 10, as Spark). */
  rank?: number;
  /**
   * λ of the weighted regularisation, in [1e-12, 1e6] (default 0.1, as Spark's `regParam`); it must be
   * positive for the normal equations to be positive definite (Spark allows 0 and can fail there).
   */
  regParam?: number;
  /** Full sweeps (items, then users), 1..1000 (default 10, as Spark's `maxIter`). */
  iterations?: number;
  /** Seed of the initial user factors (default 42). */
  seed?: number;
  /** Called after every sweep with its 1-based number and the model as trained so far. */
  onIteration?: (iteration: number, model: AlsModel) => void;
}

/** One recommended item and its predicted rating. */
export interface Recommendation {
  item: Id;
  score: number;
}

/** Options of `AlsModel.recommend`. */
export interface RecommendOptions {
  /** Leave out the items the user rated in training or fold-in (default true). */
  excludeSeen?: boolean;
  /** Further items to leave out. */
  exclude?: Iterable<Id>;
}

/** Options of `AlsModel.serialize` / `toJSON`. */
export interface AlsSerializeOptions {
  /** Element type of the stored factors (default "float64", exact; "float32" halves the size). */
  factorType?: 'float64' | 'float32';
}

const OWNER = 'AlsModel';

/**
 * A trained ALS model: user and item factors, plus each user's rated items so recommendations can
 * leave them out.
 *
 * @example
 * const model = AlsModel.train(ratings, { rank: 10, regParam: 0.1, iterations: 10 });
 * model.predictOne(1, 318); // predicted rating of item 318 by user 1
 * model.recommend(1, 10); // [{ item, score }, …] best first, unseen items only
 * model.foldIn('new-user', [{ item: 318, rating: 5 }, { item: 2571, rating: 4 }]);
 * model.recommend('new-user', 10);
 */
export class AlsModel implements Serializable {
  readonly rank: number;
  readonly regParam: number;
  readonly users: LabelSet;
  readonly items: LabelSet;
  /** Sweeps trained so far. */
  iterations = 0;
  /** Row-major users × rank; capacity may exceed `users.size` rows (fold-in appends). */
  private userFactors: Float64Array;
  private readonly itemFactors: Float64Array;
  /** Per user, the indices of the items it rated. */
  private readonly seen: Int32Array[];
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;

  private constructor(
    rank: number,
    regParam: number,
    users: LabelSet,
    items: LabelSet,
    userFactors: Float64Array,
    itemFactors: Float64Array,
    seen: Int32Array[],
  ) {
    this.rank = rank;
    this.regParam = regParam;
    this.users = users;
    this.items = items;
    this.userFactors = userFactors;
    this.itemFactors = itemFactors;
    this.seen = seen;
    this.gram = new Float64Array(rank * rank);
    this.rhs = new Float64Array(rank);
  }

  /**
   * Trains on explicit ratings. Throws SS_ERR_INVALID_OPTION on a bad option and
   * SS_ERR_INVALID_RATING on a bad rating.
   *
   * @example
   * const model = AlsModel.train(RatingMatrix.from(ratings), { rank: 20, regParam: 0.05 });
   */
  static train(data: RatingMatrix | Iterable<Rating>, options: AlsOptions = {}): AlsModel {
    const k = checkInteger(OWNER, 'rank', options.rank ?? 10, 1, 256);
    const lambda = checkNumber(OWNER, 'regParam', options.regParam ?? 0.1, 1e-12, 1e6);
    const iterations = checkInteger(OWNER, 'iterations', options.iterations ?? 10, 1, 1000);
    const seed = checkInteger(
      OWNER,
      'seed',
      options.seed ?? 42,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    );
    const m = data instanceof RatingMatrix ? data : RatingMatrix.from(data);
    const nUsers = m.users.size;
    const nItems = m.items.size;
    const seen: Int32Array[] = new Array(nUsers);
    for (let u = 0; u < nUsers; u++) seen[u] = m.userItems.subarray(m.userOffsets[u], m.userOffsets[u + 1]);
    const model = new AlsModel(
      k,
      lambda,
      new LabelSet(m.users.labels),
      new LabelSet(m.items.labels),
      new Float64Array(nUsers * k),
      new Float64Array(nItems * k),
      seen,
    );
    const rng = new JavaRandom(seed);
    const x = model.userFactors;
    for (let u = 0; u < nUsers; u++) {
      let norm = 0;
      for (let f = 0; f < k; f++) {
        const g = rng.nextGaussian();
        x[u * k + f] = g;
        norm += g * g;
      }
      norm = Math.sqrt(norm);
      for (let f = 0; f < k; f++) x[u * k + f] /= norm;
    }
    for (let it = 1; it <= iterations; it++) {
      for (let i = 0; i < nItems; i++) {
        model.solve(
          m.itemUsers,
          m.itemRatings,
          m.itemOffsets[i],
          m.itemOffsets[i + 1],
          x,
          model.itemFactors,
          i,
        );
      }
      for (let u = 0; u < nUsers; u++) {
        model.solve(
          m.userItems,
          m.userRatings,
          m.userOffsets[u],
          m.userOffsets[u + 1],
          model.itemFactors,
          x,
          u,
        );
      }
      model.iterations = it;
      options.onIteration?.(it, model);
    }
    return model;
  }

  /**
   * The predicted rating x_uᵀ y_i, or NaN when the user or the item is unknown (cold start).
   *
   * @example
   * model.predictOne(1, 318); // 4.3…
   */
  predictOne(user: Id, item: Id): number {
    const u = this.users.find(user);
    const i = this.items.find(item);
    if (u < 0 || i < 0) return Number.NaN;
    const k = this.rank;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += this.userFactors[u * k + f] * this.itemFactors[i * k + f];
    return dot;
  }

  /**
   * A copy of the user's factors, or undefined for an unknown user.
   *
   * @example
   * model.userVector(1); // Float64Array(10)
   */
  userVector(user: Id): Float64Array | undefined {
    const u = this.users.find(user);
    return u < 0 ? undefined : this.userFactors.slice(u * this.rank, (u + 1) * this.rank);
  }

  /**
   * A copy of the item's factors, or undefined for an unknown item.
   *
   * @example
   * model.itemVector(318); // Float64Array(10)
   */
  itemVector(item: Id): Float64Array | undefined {
    const i = this.items.find(item);
    return i < 0 ? undefined : this.itemFactors.slice(i * this.rank, (i + 1) * this.rank);
  }

  /**
   * Solves the factors of a user with the given ratings, item factors fixed (the normal equations
   * of the header). Ratings of unknown items are skipped: they have no factors to inform the
   * solve. With no known item the result is the zero vector. Does not change the model.
   *
   * @example
   * const x = model.solveUser([{ item: 318, rating: 5 }]);
   */
  solveUser(ratings: Iterable<ItemRating>): Float64Array {
    const [items, values] = this.known(ratings);
    const out = new Float64Array(this.rank);
    this.solve(items, values, 0, items.length, this.itemFactors, out, 0);
    return out;
  }

  /**
   * Fold-in: solves the user's factors from its complete rating list (as `solveUser`) and stores
   * them, adding the user when new and replacing its seen items with the known items of `ratings`.
   * Returns a copy of the new factors.
   *
   * @example
   * model.foldIn('alice', [{ item: 318, rating: 5 }, { item: 296, rating: 2 }]);
   * model.recommend('alice', 10);
   */
  foldIn(user: Id, ratings: Iterable<ItemRating>): Float64Array {
    checkId(user, 'user');
    const [items, values] = this.known(ratings);
    const u = this.users.indexOf(user);
    const k = this.rank;
    if ((u + 1) * k > this.userFactors.length) {
      this.userFactors = grow(this.userFactors, Math.max((u + 1) * k, this.userFactors.length * 2));
    }
    this.solve(items, values, 0, items.length, this.itemFactors, this.userFactors, u);
    this.seen[u] = items;
    return this.userFactors.slice(u * k, (u + 1) * k);
  }

  /**
   * The `n` items with the highest predicted rating for the user, best first (ties: the item seen
   * first in training wins). Empty for an unknown user.
   *
   * @example
   * model.recommend(1, 5); // [{ item: 1204, score: 5.1 }, …]
   */
  recommend(user: Id, n = 10, options: RecommendOptions = {}): Recommendation[] {
    checkInteger(OWNER, 'n', n, 0, 1_000_000);
    const u = this.users.find(user);
    if (u < 0) return [];
    const excluded = new Uint8Array(this.items.size);
    if (options.excludeSeen ?? true) for (const i of this.seen[u]) excluded[i] = 1;
    for (const item of options.exclude ?? []) {
      const i = this.items.find(item);
      if (i >= 0) excluded[i] = 1;
    }
    const k = this.rank;
    const x = this.userFactors;
    const y = this.itemFactors;
    const top = new TopN(n);
    for (let i = 0; i < this.items.size; i++) {
      if (excluded[i] === 1) continue;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += x[u * k + f] * y[i * k + f];
      top.offer(i, dot);
    }
    return top.drain().map(([i, score]) => ({ item: this.items.labelAt(i), score }));
  }

  /** Indices and values of the ratings whose item is known. */
  private known(ratings: Iterable<ItemRating>): [Int32Array, Float64Array] {
    const items: number[] = [];
    const values: number[] = [];
    for (const { item, rating } of ratings) {
      const value = checkRatingValue(rating, undefined, item);
      const i = this.items.find(checkId(item, 'item'));
      if (i < 0) continue;
      items.push(i);
      values.push(value);
    }
    return [Int32Array.from(items), Float64Array.from(values)];
  }

  /**
   * Solves row `row` of `out` from the entries [start, end) of (`others`, `values`) against the
   * fixed factors `fixed`: accumulates the lower triangle of Σ y yᵀ and Σ r y, adds λ·n to the
   * diagonal and runs the Cholesky solve. No entries: the zero vector.
   */
  private solve(
    others: Int32Array,
    values: Float64Array,
    start: number,
    end: number,
    fixed: Float64Array,
    out: Float64Array,
    row: number,
  ): void {
    const k = this.rank;
    const gram = this.gram;
    const rhs = this.rhs;
    if (end === start) {
      out.fill(0, row * k, (row + 1) * k);
      return;
    }
    gram.fill(0);
    rhs.fill(0);
    for (let j = start; j < end; j++) {
      const base = others[j] * k;
      const r = values[j];
      for (let a = 0; a < k; a++) {
        const ya = fixed[base + a];
        rhs[a] += r * ya;
        const line = a * k;
        for (let b = 0; b <= a; b++) gram[line + b] += ya * fixed[base + b];
      }
    }
    const shift = this.regParam * (end - start);
    for (let a = 0; a < k; a++) gram[a * k + a] += shift;
    choleskySolve(gram, rhs, k, out, row * k);
  }

  /**
   * The model's state (kind "als", version 1):
   *
   *     rank, regParam, iterations   numbers
   *     users, items                 ids in index order
   *     factorType                   "float64" | "float32"
   *     userFactors                  users × rank, row-major, base64 (factor-codec-v1.ts)
   *     itemFactors                  items × rank, row-major, base64
   *     seenOffsets                  int32 × (users + 1): user u's seen items are
   *     seenItems                    seenItems[seenOffsets[u] .. seenOffsets[u + 1]) (item indices)
   *
   * @example
   * JSON.stringify(model.toJSON({ factorType: 'float32' }));
   */
  toJSON(options: AlsSerializeOptions = {}): ModelJSON {
    const factorType = options.factorType ?? 'float64';
    const nUsers = this.users.size;
    const offsets = new Int32Array(nUsers + 1);
    for (let u = 0; u < nUsers; u++) offsets[u + 1] = offsets[u] + this.seen[u].length;
    const seenItems = new Int32Array(offsets[nUsers]);
    for (let u = 0; u < nUsers; u++) seenItems.set(this.seen[u], offsets[u]);
    return {
      kind: 'als',
      version: 1,
      rank: this.rank,
      regParam: this.regParam,
      iterations: this.iterations,
      users: this.users.labels,
      items: this.items.labels,
      factorType,
      userFactors: encodeArray(this.userFactors, nUsers * this.rank, factorType),
      itemFactors: encodeArray(this.itemFactors, this.items.size * this.rank, factorType),
      seenOffsets: encodeArray(offsets, nUsers + 1, 'int32'),
      seenItems: encodeArray(seenItems, seenItems.length, 'int32'),
    };
  }

  /**
   * The model in the versioned envelope of `learner.ts`; read it back with `deserialize`.
   *
   * @example
   * const copy = deserialize(model.serialize({ factorType: 'float32' })) as AlsModel;
   */
  serialize(options: AlsSerializeOptions = {}): Uint8Array {
    return encodeModel({ toJSON: () => this.toJSON(options) });
  }

  /**
   * Rebuilds a model from `toJSON()`.
   *
   * @example
   * const copy = AlsModel.fromJSON(model.toJSON());
   */
  static fromJSON(json: ModelJSON): AlsModel {
    const rank = checkInteger(OWNER, 'rank', json.rank as number, 1, 256);
    const users = new LabelSet(json.users as Id[]);
    const items = new LabelSet(json.items as Id[]);
    const factorType = json.factorType === 'float32' ? 'float32' : 'float64';
    const offsets = decodeInts(json.seenOffsets as string, users.size + 1);
    const seenItems = decodeInts(json.seenItems as string, offsets[users.size]);
    const seen: Int32Array[] = new Array(users.size);
    for (let u = 0; u < users.size; u++) seen[u] = seenItems.subarray(offsets[u], offsets[u + 1]);
    const model = new AlsModel(
      rank,
      checkNumber(OWNER, 'regParam', json.regParam as number, 1e-12, 1e6),
      users,
      items,
      decodeFloats(json.userFactors as string, factorType, users.size * rank),
      decodeFloats(json.itemFactors as string, factorType, items.size * rank),
      seen,
    );
    model.iterations = json.iterations as number;
    return model;
  }
}

registerModelKind('als', 1, AlsModel.fromJSON);
