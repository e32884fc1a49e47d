/**
 * Sources: getting records into topics. So far: replaying files into topics, the `Clock` seam that
 * paces it, and the `Simulator` interface apps use to feed themselves.
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
export type { Simulator, SimulatorOptions } from './simulator.ts';
export {
  WebSocketSource,
  type WebSocketSourceOptions,
  type WebSocketSourceStats,
} from './websocket-source.ts';
