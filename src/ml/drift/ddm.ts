/**
 * DDM, the Drift Detection Method (Gama et al. 2004), as MOA's `DDM.java`.
 *
 * Input 1 means "the classifier erred". With p the running error rate over n inputs and
 * s = sqrt(p(1 − p)/n), DDM remembers (p_min, s_min) where p + s was smallest; once at least
 * `minInstances` inputs were seen it warns when p + s > p_min + 2·s_min and signals a drift when
 * p + s > p_min + 3·s_min, then starts afresh.
 */

import { checkInteger, checkNumber, encodeModel, type ModelJSON, registerModelKind } from '../learner.ts';
import { DRIFT, type DriftDetector, type DriftSignal, NO_DRIFT, WARNING } from './drift-detector.ts';

/** Options of `Ddm` (MOA defaults). */
export interface DdmOptions {
  /** Inputs before a drift may be signalled (30). */
  minInstances?: number;
  /** Warning level in standard deviations (2). */
  warningLevel?: number;
  /** Drift level in standard deviations (3). */
  driftLevel?: number;
}

/**
 * DDM over a stream of 0/1 errors.
 *
 * @example
 * const ddm = new Ddm();
 * const { drift, warning } = ddm.update(predicted === actual ? 0 : 1);
 */
export class Ddm implements DriftDetector {
  readonly minInstances: number;
  readonly warningLevel: number;
  readonly driftLevel: number;
  private n = 1;
  private p = 1;
  private pMin = Number.MAX_VALUE;
  private sMin = Number.MAX_VALUE;
  private psMin = Number.MAX_VALUE;
  private reset = false;

  constructor(options: DdmOptions = {}) {
    this.minInstances = checkInteger('Ddm', 'minInstances', options.minInstances ?? 30, 1, 2 ** 31);
    this.warningLevel = checkNumber('Ddm', 'warningLevel', options.warningLevel ?? 2, 0, 1e6);
    this.driftLevel = checkNumber('Ddm', 'driftLevel', options.driftLevel ?? 3, this.warningLevel, 1e6);
  }

  /** The current error-rate estimate. */
  get estimation(): number {
    return this.p;
  }

  update(x: number): DriftSignal {
    if (this.reset) {
      this.n = 1;
      this.p = 1;
      this.pMin = this.sMin = this.psMin = Number.MAX_VALUE;
      this.reset = false;
    }
    this.p += (x - this.p) / this.n;
    const s = Math.sqrt((this.p * (1 - this.p)) / this.n);
    this.n++;
    if (this.n < this.minInstances) return NO_DRIFT;
    if (this.p + s <= this.psMin) {
      this.pMin = this.p;
      this.sMin = s;
      this.psMin = this.p + s;
    }
    if (this.n > this.minInstances && this.p + s > this.pMin + this.driftLevel * this.sMin) {
      this.reset = true;
      return DRIFT;
    }
    return this.p + s > this.pMin + this.warningLevel * this.sMin ? WARNING : NO_DRIFT;
  }

  toJSON(): ModelJSON {
    const { minInstances, warningLevel, driftLevel } = this;
    return {
      kind: 'ddm',
      version: 1,
      options: { minInstances, warningLevel, driftLevel },
      state: [this.n, this.p, this.pMin, this.sMin, this.psMin, this.reset ? 1 : 0],
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): Ddm {
    const ddm = new Ddm(json.options as DdmOptions);
    const s = json.state as number[];
    [ddm.n, ddm.p, ddm.pMin, ddm.sMin, ddm.psMin] = s;
    ddm.reset = s[5] === 1;
    return ddm;
  }
}

registerModelKind('ddm', 1, Ddm.fromJSON);
