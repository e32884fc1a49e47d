/**
 * When `.learn` trains, and on what. A schedule is plain data built by one of four functions and
 * validated there, once, so that a pipeline with a bad schedule fails when it is defined:
 *
 * - `online()`: every labelled record updates the model in place (`learnOne`); a version is
 *   published every `versionEvery` records.
 * - `everyRecords(n)`: after every n labelled records, a new model is trained on the training set.
 * - `everyInterval('5m')`: on a processing-time timer, for every key with new examples.
 * - `onDrift(detector)`: when the detector, fed the live model's prequential errors (1 = wrong),
 *   signals a drift. Examples before the alarm belong to the old concept, so the training set is
 *   emptied then and the new model is trained once `bootstrap` new examples have arrived (retraining
 *   at the alarm itself would fit mostly the old concept); the first model too is trained after
 *   `bootstrap` examples.
 *
 * The batch schedules train on a training set: every example so far (`'all'`: memory grows without
 * bound), the last n (`{ last: n }`), or the examples since the last training (`'since-last'`). They
 * fit a fresh copy of the template model, or with `warmStart` a copy of the live one; the copy
 * replaces the live model only once it is trained.
 */

import { type Duration, toMillis } from '../../dataflow/duration.ts';
import { StreamsightError } from '../../errors/index.ts';
import type { DriftDetector } from '../drift/drift-detector.ts';
import { checkInteger } from '../learner.ts';

/** Which examples a batch training uses. */
export type TrainingSet = 'all' | 'since-last' | { last: number };

/** Options shared by the batch schedules. */
export interface BatchTrainingOptions {
  /** The examples to train on ('since-last'). */
  trainingSet?: TrainingSet;
  /** Train a copy of the live model instead of a fresh copy of the template (false). */
  warmStart?: boolean;
}

/** A validated schedule (build one with `online`, `everyRecords`, `everyInterval` or `onDrift`). */
export type TrainingSchedule =
  | { readonly kind: 'online'; readonly versionEvery: number }
  | { readonly kind: 'records'; readonly every: number; readonly batch: ResolvedBatchOptions }
  | { readonly kind: 'interval'; readonly everyMs: number; readonly batch: ResolvedBatchOptions }
  | {
      readonly kind: 'drift';
      readonly detector: DriftDetector;
      readonly bootstrap: number;
      readonly batch: ResolvedBatchOptions;
    };

/** Batch options with defaults applied; `last` is 0 unless the training set is `{ last: n }`. */
export interface ResolvedBatchOptions {
  readonly trainingSet: 'all' | 'since-last' | 'last';
  readonly last: number;
  readonly warmStart: boolean;
}

const MAX_COUNT = 2 ** 31;

/**
 * Learn from every labelled record as it arrives (the model is updated in place).
 *
 * @example
 * keyed.learn(new HoeffdingTree(), { features: (r) => r.x, label: (r) => r.y, schedule: online({ versionEvery: 10_000 }) })
 */
export function online(options: { versionEvery?: number } = {}): TrainingSchedule {
  return {
    kind: 'online',
    versionEvery: checkInteger('online', 'versionEvery', options.versionEvery ?? 1000, 1, MAX_COUNT),
  };
}

/**
 * Train a new model after every `n` labelled records.
 *
 * @example
 * everyRecords(5000, { trainingSet: { last: 20_000 } })
 */
export function everyRecords(n: number, options: BatchTrainingOptions = {}): TrainingSchedule {
  return {
    kind: 'records',
    every: checkInteger('everyRecords', 'n', n, 1, MAX_COUNT),
    batch: resolveBatch('everyRecords', options),
  };
}

/**
 * Train a new model every `every` of processing time, for each key with examples since its last
 * training. The timer starts with the task; a restarted task starts it afresh.
 *
 * @example
 * everyInterval('10m', { trainingSet: 'all', warmStart: false })
 */
export function everyInterval(every: Duration, options: BatchTrainingOptions = {}): TrainingSchedule {
  const everyMs = toMillis(every, 'everyInterval');
  if (!(everyMs > 0)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'everyInterval: the interval must be positive', {
      details: { option: 'every', value: every },
    });
  }
  return { kind: 'interval', everyMs, batch: resolveBatch('everyInterval', options) };
}

/**
 * Train a new model `bootstrap` labelled records (1000) after `detector` (cloned per key) signals a
 * drift in the live model's error stream, on the examples since the alarm; and once at the start,
 * after the first `bootstrap` records.
 *
 * @example
 * onDrift(new Adwin({ delta: 0.002 }), { trainingSet: { last: 2000 }, bootstrap: 500 })
 */
export function onDrift(
  detector: DriftDetector,
  options: BatchTrainingOptions & { bootstrap?: number } = {},
): TrainingSchedule {
  if (typeof detector?.update !== 'function' || typeof detector.serialize !== 'function') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'onDrift: detector must be a DriftDetector', {
      details: { option: 'detector' },
    });
  }
  return {
    kind: 'drift',
    detector,
    bootstrap: checkInteger('onDrift', 'bootstrap', options.bootstrap ?? 1000, 1, MAX_COUNT),
    batch: resolveBatch('onDrift', options),
  };
}

function resolveBatch(owner: string, options: BatchTrainingOptions): ResolvedBatchOptions {
  const set = options.trainingSet ?? 'since-last';
  const warmStart = options.warmStart ?? false;
  if (typeof warmStart !== 'boolean') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `${owner}: warmStart must be true or false`, {
      details: { option: 'warmStart', value: warmStart },
    });
  }
  if (set === 'all' || set === 'since-last') return { trainingSet: set, last: 0, warmStart };
  if (typeof set === 'object' && set !== null && 'last' in set) {
    return {
      trainingSet: 'last',
      last: checkInteger(owner, 'trainingSet.last', set.last, 1, MAX_COUNT),
      warmStart,
    };
  }
  throw new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `${owner}: trainingSet must be 'all', 'since-last' or { last: n }, got ${JSON.stringify(set)}`,
    { details: { option: 'trainingSet' } },
  );
}
