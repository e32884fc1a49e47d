/**
 * Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4 and 7.5)
 * for smooth unconstrained minimisation, used for full-batch training of the linear models.
 *
 * - Direction: the two-loop recursion over the last `memory` pairs (s, y), scaled by γ = sᵀy / yᵀy
 *   (eq. 7.20). A pair with sᵀy ≤ 1e-10·‖s‖‖y‖ is not stored, which keeps the implicit Hessian
 *   positive definite without a Wolfe line search.
 * - Step: backtracking from 1 (from 1/‖g‖ on the first iteration) until the Armijo condition
 *   f(x + αd) ≤ f(x) + 10⁻⁴·α·gᵀd holds; if d is not a descent direction the memory is dropped and
 *   the step restarts along −g.
 * - Stop: ‖g‖∞ ≤ tolerance·max(1, ‖x‖∞), or a relative decrease of f below 1e-12, or
 *   `maxIterations`.
 *
 * Memory is 2·memory vectors of the parameter length: fine for dense models, heavy for 2^18-bucket
 * text models (which train by SGD instead).
 */

import { StreamsightError } from '../../errors/index.ts';
import { checkInteger, checkNumber } from '../learner.ts';

/** f(x), writing ∇f(x) into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Options of `lbfgs`. */
export interface LbfgsOptions {
  /** Pairs (s, y) kept (10). */
  memory?: number;
  /** Iteration cap (100). */
  maxIterations?: number;
  /** Gradient tolerance, relative to max(1, ‖x‖∞) (1e-6). */
  tolerance?: number;
}

/** What `lbfgs` returns. */
export interface LbfgsResult {
  /** The minimiser found (the `x` passed in, updated in place). */
  x: Float64Array;
  /** f at `x`. */
  loss: number;
  iterations: number;
  /** True when a stopping test other than the iteration cap fired. */
  converged: boolean;
}

/**
 * Minimises `objective` from `x` (updated in place).
 *
 * @example
 * // f(x) = (x0 − 3)² + 10·(x1 + 1)²
 * const { x } = lbfgs((x, g) => {
 *   g[0] = 2 * (x[0] - 3);
 *   g[1] = 20 * (x[1] + 1);
 *   return (x[0] - 3) ** 2 + 10 * (x[1] + 1) ** 2;
 * }, new Float64Array(2)); // x ≈ [3, −1]
 */
export function lbfgs(objective: Objective, x: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const m = checkInteger('lbfgs', 'memory', options.memory ?? 10, 1, 1000);
  const maxIterations = checkInteger('lbfgs', 'maxIterations', options.maxIterations ?? 100, 0, 1e9);
  const tolerance = checkNumber('lbfgs', 'tolerance', options.tolerance ?? 1e-6, 0, 1);
  const n = x.length;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const g = new Float64Array(n);
  const gNext = new Float64Array(n);
  const d = new Float64Array(n);
  const xNext = new Float64Array(n);
  let f = evaluate(objective, x, g);
  let iterations = 0;
  let converged = normInf(g) <= tolerance * Math.max(1, normInf(x));
  while (!converged && iterations < maxIterations) {
    iterations++;
    direction(g, s, y, rho, alpha, d);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dot(g, d);
    }
    let step = s.length === 0 ? 1 / Math.max(Math.sqrt(-slope), 1e-300) : 1;
    let fNext = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) xNext[i] = x[i] + step * d[i];
      fNext = evaluate(objective, xNext, gNext);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext <= f)) {
      converged = true; // no decrease along a descent direction: at the optimum to machine precision
      break;
    }
    const sk = s.length === m ? s.shift()! : new Float64Array(n);
    const yk = y.length === m ? y.shift()! : new Float64Array(n);
    if (rho.length === m) rho.shift();
    let sy = 0;
    let ss = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      sk[i] = xNext[i] - x[i];
      yk[i] = gNext[i] - g[i];
      sy += sk[i] * yk[i];
      ss += sk[i] * sk[i];
      yy += yk[i] * yk[i];
    }
    if (sy > 1e-10 * Math.sqrt(ss * yy)) {
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const decrease = f - fNext;
    x.set(xNext);
    g.set(gNext);
    f = fNext;
    converged =
      normInf(g) <= tolerance * Math.max(1, normInf(x)) || decrease <= 1e-12 * Math.max(Math.abs(f), 1);
  }
  return { x, loss: f, iterations, converged };
}

function evaluate(objective: Objective, x: Float64Array, g: Float64Array): number {
  const f = objective(x, g);
  if (!Number.isFinite(f)) {
    throw new StreamsightError('SS_ERR_NUMERIC', `lbfgs: the objective is not finite (${f})`, {
      details: { loss: f },
    });
  }
  return f;
}

/** d = −H·g by the two-loop recursion. */
function direction(
  g: Float64Array,
  s: Float64Array[],
  y: Float64Array[],
  rho: number[],
  alpha: Float64Array,
  d: Float64Array,
): void {
  const n = g.length;
  for (let i = 0; i < n; i++) d[i] = -g[i];
  const k = s.length;
  for (let j = k - 1; j >= 0; j--) {
    alpha[j] = rho[j] * dot(s[j], d);
    const a = alpha[j];
    const yj = y[j];
    for (let i = 0; i < n; i++) d[i] -= a * yj[i];
  }
  if (k > 0) {
    const gamma = 1 / (rho[k - 1] * dot(y[k - 1], y[k - 1]));
    for (let i = 0; i < n; i++) d[i] *= gamma;
  }
  for (let j = 0; j < k; j++) {
    const b = alpha[j] - rho[j] * dot(y[j], d);
    const sj = s[j];
    for (let i = 0; i < n; i++) d[i] += b * sj[i];
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function normInf(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}
