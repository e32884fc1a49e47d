/**
 * STREAMER's ThresholdDetector, online. Each update "touches" when the value (or its absolute value,
 * with `abs`) is above the threshold (below it with `alertIfGreater: false`). A detection opens after
 * `robustness` consecutive touches (see `robustness.ts`).
 *
 * Our reading of STREAMER, documented because its guide is terse: `drift` is true on the one update
 * that opens a detection (an event, like the other detectors, so a retrain triggers once);
 * `warning` is true on touching updates before the detection opens; `open` says whether a detection
 * is currently open (STREAMER's "alert" state); NaN values are ignored.
 */

import { checkInteger, checkNumber, encodeModel, type ModelJSON, registerModelKind } from '../learner.ts';
import { DRIFT, type DriftDetector, type DriftSignal, NO_DRIFT, WARNING } from './drift-detector.ts';
import { Robustness } from './robustness.ts';

/** Options of `ThresholdMonitor`. */
export interface ThresholdMonitorOptions {
  threshold: number;
  /** Touch when above the threshold (true, default) or below it (false). */
  alertIfGreater?: boolean;
  /** Compare |x| instead of x (false). */
  abs?: boolean;
  /** Consecutive touches to open, and quiet updates to close, a detection (1). */
  robustness?: number;
}

/**
 * Threshold monitor on a metric such as RMSE.
 *
 * @example
 * const rmse = new ThresholdMonitor({ threshold: 10, robustness: 2 });
 * if (rmse.update(currentRmse).drift) retrain();
 */
export class ThresholdMonitor implements DriftDetector {
  readonly threshold: number;
  readonly alertIfGreater: boolean;
  readonly abs: boolean;
  private readonly state: Robustness;

  constructor(options: ThresholdMonitorOptions) {
    this.threshold = checkNumber(
      'ThresholdMonitor',
      'threshold',
      options.threshold,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
    );
    this.alertIfGreater = options.alertIfGreater ?? true;
    this.abs = options.abs ?? false;
    this.state = new Robustness(
      checkInteger('ThresholdMonitor', 'robustness', options.robustness ?? 1, 1, 2 ** 31),
    );
  }

  /** True while a detection is open. */
  get open(): boolean {
    return this.state.open;
  }

  update(x: number): DriftSignal {
    if (Number.isNaN(x)) return NO_DRIFT;
    const v = this.abs ? Math.abs(x) : x;
    const touch = this.alertIfGreater ? v > this.threshold : v < this.threshold;
    if (this.state.step(touch)) return DRIFT;
    return touch && !this.state.open ? WARNING : NO_DRIFT;
  }

  toJSON(): ModelJSON {
    const { threshold, alertIfGreater, abs } = this;
    const { robustness, streak, quiet, open } = this.state;
    return {
      kind: 'threshold-monitor',
      version: 1,
      options: { threshold, alertIfGreater, abs, robustness },
      state: [streak, quiet, open ? 1 : 0],
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): ThresholdMonitor {
    const monitor = new ThresholdMonitor(json.options as ThresholdMonitorOptions);
    const [streak, quiet, open] = json.state as number[];
    Object.assign(monitor.state, { streak, quiet, open: open === 1 });
    return monitor;
  }
}

registerModelKind('threshold-monitor', 1, ThresholdMonitor.fromJSON);
