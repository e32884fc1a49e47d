export * from './aggregators/index.ts';
export { type App, type AppBuilder, defineApp, type TopicOptions } from './app.ts';
export { type Codec, type CodecName, jsonCodec, type Key, msgpackCodec, stringCodec } from './codec.ts';
export { type Duration, toMillis } from './duration.ts';
export type { StatePut } from './operators/operator.ts';
export type { ProcessContext, ProcessOperator } from './operators/process.ts';
export type {
  CategoryWidget,
  ConfusionWidget,
  PageDefinition,
  TableWidget,
  TilesWidget,
  TimeSeriesWidget,
  ValueFormat,
  Widget,
  WorldMapWidget,
} from './page.ts';
export { createAppTopics, type RunningApp, type RunOptions, runApp } from './runtime.ts';
export { MemoryView, type Sink, type SinkContext, type SinkRecord, type ViewChange } from './sink.ts';
export {
  type JoinOptions,
  KeyedStream,
  ResultStream,
  Stream,
  type Table,
  type Topic,
  type TopK,
  type WindowedStream,
  type WindowOptions,
} from './stream.ts';
export type { TaskMetrics } from './task.ts';
export { hopping, session, sliding, tumbling, type WindowResult, type WindowSpec } from './windows.ts';
