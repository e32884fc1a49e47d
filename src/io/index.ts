/**
 * Sources and sinks: getting records into and out of topics. So far: replaying files into topics, and
 * the `Clock` seam that paces it.
 */
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { FileReplay, replayFile } from './replay.ts';
export type {
  CsvOptions,
  FieldRef,
  MalformedCode,
  MalformedLine,
  ReplayFormat,
  ReplayMode,
  ReplayOptions,
  ReplayProgress,
  ReplayResult,
} from './replay-options.ts';
export type { LogAppender } from './replay-pacer.ts';
