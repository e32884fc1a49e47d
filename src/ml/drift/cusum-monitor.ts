/**
 * A two-sided CUSUM monitor in the manner of STREAMER's CuSumDetectorOnLine, with its robustness rule.
 *
 * Each value is standardised, z = (x − μ)/σ, and accumulated as
 *
 *     S⁺ ← max(0, S⁺ + z − k),   S⁻ ← max(0, S⁻ − z − k)
 *
 * An update touches when S⁺ > h or S⁻ > h. A detection opens after `robustness` consecutive touches
 * (see `robustness.ts`) and then both sums restart at 0.
 *
 * Our reading of STREAMER: its `drift` term is the allowance k, written here with the textbook sign
 * (a positive k makes the sums forget noise); its threshold `std·factor` on raw sums equals
 * h = `factor` (5) on standardised sums. μ and σ are given (`mean`, `std`) as STREAMER's online
 * variant requires, or else estimated from the first `warmup` values (Welford), which STREAMER's
 * batch variant does from the full history. NaN values are ignored.
 */

import { StreamsightError } from '../../errors/index.ts';
import { checkInteger, checkNumber, encodeModel, type ModelJSON, registerModelKind } from '../learner.ts';
import { DRIFT, type DriftDetector, type DriftSignal, NO_DRIFT, WARNING } from './drift-detector.ts';
import { Robustness } from './robustness.ts';

/** Options of `CusumMonitor`. */
export interface CusumMonitorOptions {
  /** Known in-control mean; with `std`, skips the warm-up. */
  mean?: number;
  /** Known in-control standard deviation (> 0). */
  std?: number;
  /** Values used to estimate mean and std when they are not given (30). */
  warmup?: number;
  /** Allowance k in standard deviations (0.5). */
  slack?: number;
  /** Decision threshold h in standard deviations (5). */
  factor?: number;
  /** Consecutive touches to open, and quiet updates to close, a detection (1). */
  robustness?: number;
}

/**
 * CUSUM monitor.
 *
 * @example
 * const cusum = new CusumMonitor({ mean: 0.1, std: 0.02 });
 * if (cusum.update(errorRate).drift) retrain();
 */
export class CusumMonitor implements DriftDetector {
  readonly slack: number;
  readonly factor: number;
  readonly warmup: number;
  private readonly state: Robustness;
  private mean: number;
  private std: number;
  private n = 0;
  private m2 = 0;
  private sPlus = 0;
  private sMinus = 0;

  constructor(options: CusumMonitorOptions = {}) {
    this.slack = checkNumber('CusumMonitor', 'slack', options.slack ?? 0.5, 0, Number.MAX_VALUE);
    this.factor = checkNumber('CusumMonitor', 'factor', options.factor ?? 5, 0, Number.MAX_VALUE);
    this.warmup = checkInteger('CusumMonitor', 'warmup', options.warmup ?? 30, 2, 2 ** 31);
    this.state = new Robustness(
      checkInteger('CusumMonitor', 'robustness', options.robustness ?? 1, 1, 2 ** 31),
    );
    if ((options.mean === undefined) !== (options.std === undefined)) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'CusumMonitor: give both mean and std, or neither');
    }
    this.mean =
      options.mean === undefined
        ? 0
        : checkNumber('CusumMonitor', 'mean', options.mean, -Number.MAX_VALUE, Number.MAX_VALUE);
    this.std =
      options.std === undefined
        ? Number.NaN
        : checkNumber('CusumMonitor', 'std', options.std, Number.MIN_VALUE, Number.MAX_VALUE);
  }

  /** True while a detection is open. */
  get open(): boolean {
    return this.state.open;
  }

  /** The upper and lower cumulative sums. */
  get sums(): [upper: number, lower: number] {
    return [this.sPlus, this.sMinus];
  }

  update(x: number): DriftSignal {
    if (Number.isNaN(x)) return NO_DRIFT;
    if (Number.isNaN(this.std)) {
      this.n++;
      const d = x - this.mean;
      this.mean += d / this.n;
      this.m2 += d * (x - this.mean);
      if (this.n === this.warmup) this.std = Math.sqrt(this.m2 / (this.n - 1)) || Number.MIN_VALUE;
      return NO_DRIFT;
    }
    const z = (x - this.mean) / this.std;
    this.sPlus = Math.max(0, this.sPlus + z - this.slack);
    this.sMinus = Math.max(0, this.sMinus - z - this.slack);
    const touch = this.sPlus > this.factor || this.sMinus > this.factor;
    if (this.state.step(touch)) {
      this.sPlus = 0;
      this.sMinus = 0;
      return DRIFT;
    }
    return touch && !this.state.open ? WARNING : NO_DRIFT;
  }

  toJSON(): ModelJSON {
    const { slack, factor, warmup } = this;
    const { robustness, streak, quiet, open } = this.state;
    return {
      kind: 'cusum-monitor',
      version: 1,
      options: { slack, factor, warmup, robustness },
      state: [
        this.mean,
        Number.isNaN(this.std) ? 'NaN' : this.std,
        this.n,
        this.m2,
        this.sPlus,
        this.sMinus,
        streak,
        quiet,
        open ? 1 : 0,
      ],
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): CusumMonitor {
    const monitor = new CusumMonitor(json.options as CusumMonitorOptions);
    const s = (json.state as (number | string)[]).map(Number);
    [monitor.mean, monitor.std, monitor.n, monitor.m2, monitor.sPlus, monitor.sMinus] = s;
    Object.assign(monitor.state, { streak: s[6], quiet: s[7], open: s[8] === 1 });
    return monitor;
  }
}

registerModelKind('cusum-monitor', 1, CusumMonitor.fromJSON);
