/**
 * The logical plan: what the fluent API builds. Each node is one operation; `compile.ts` cuts the
 * graph into stages at every `keyBy` (a repartition through an internal topic) and turns nodes into
 * runtime operators.
 */

import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Aggregator } from './aggregators/aggregator.ts';
import type { Codec, Key } from './codec.ts';
import type { ProcessOperator } from './operators/process.ts';
import type { Sink } from './sink.ts';
import type { WindowSpec } from './windows.ts';

export interface TopicDef {
  name: string;
  partitions: number;
  codec: Codec<any>;
  schema: StandardSchemaV1 | undefined;
  key: ((value: any) => Key) | undefined;
  time: ((value: any) => number) | undefined;
  outOfOrdernessMs: number;
  idleTimeoutMs: number;
  retentionMs: number | undefined;
  retentionBytes: number | undefined;
  /** Copy the topic's raw records into the view store for batch SQL (views/materialize.ts). */
  archive?: boolean;
}

export interface WindowOptionsDef {
  allowedLatenessMs: number;
  /** Processing-time interval of early updates; 0 = emit only final results. */
  earlyEveryMs: number;
  /** Where records too late for every window go; undefined = the app's dead-letter topic. */
  late: TopicDef | undefined;
}

export interface JoinOptionsDef {
  /** Same-window join (tumbling windows). */
  window: WindowSpec | undefined;
  /** Interval join: |left.ts - right.ts| <= withinMs. */
  withinMs: number | undefined;
}

export type PlanNode =
  | { kind: 'source'; id: string; topic: TopicDef }
  | { kind: 'map'; id: string; input: PlanNode; fn: (value: any, key: Key | undefined) => unknown }
  | { kind: 'filter'; id: string; input: PlanNode; fn: (value: any, key: Key | undefined) => boolean }
  | {
      kind: 'flatMap';
      id: string;
      input: PlanNode;
      fn: (value: any, key: Key | undefined) => Iterable<unknown>;
    }
  | { kind: 'keyBy'; id: string; input: PlanNode; fn: (value: any) => Key; partitions: number | undefined }
  | { kind: 'merge'; id: string; inputs: PlanNode[] }
  | {
      kind: 'window';
      id: string;
      input: PlanNode;
      window: WindowSpec;
      aggregator: Aggregator<any, any, any>;
      options: WindowOptionsDef;
    }
  | { kind: 'topK'; id: string; input: PlanNode; n: number; by: (value: any) => number; withTies: boolean }
  | { kind: 'lookup'; id: string; input: PlanNode; table: TopicDef; fn: (value: any, row: any) => unknown }
  | {
      kind: 'join';
      id: string;
      left: PlanNode;
      right: PlanNode;
      options: JoinOptionsDef;
      fn: (left: any, right: any, key: Key) => unknown;
    }
  | {
      kind: 'process';
      id: string;
      input: PlanNode;
      factory: () => ProcessOperator<any, any, any>;
      broadcast: TopicDef[];
      late: TopicDef | undefined;
    }
  | { kind: 'to'; id: string; input: PlanNode; topic: TopicDef }
  | { kind: 'sink'; id: string; input: PlanNode; sink: Sink<any>; name: string };

export type NodeKind = PlanNode['kind'];

/** The nodes feeding a node. */
export function inputsOf(node: PlanNode): PlanNode[] {
  switch (node.kind) {
    case 'source':
      return [];
    case 'merge':
      return node.inputs;
    case 'join':
      return [node.left, node.right];
    default:
      return [node.input];
  }
}

/** A pipeline: a name and its terminal nodes (to, sink). */
export interface PipelineDef {
  name: string;
  terminals: PlanNode[];
  /** Counter for stable, position-based operator ids within the pipeline. */
  nextId: number;
}
