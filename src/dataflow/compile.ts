/**
 * From the logical plan to stages. A pipeline is cut at every `keyBy` and `topK` (both need equal
 * keys to meet in one task): the upstream side writes to an internal repartition topic
 * `<app>.<pipeline>.<operator>-repartition`, the downstream stage reads it. A stage runs as one task
 * per partition of its (co-partitioned) inputs.
 */

import { StreamsightError } from '../errors/index.ts';
import type { App } from './app.ts';
import { inputsOf, type PipelineDef, type PlanNode, type TopicDef } from './plan.ts';

export interface StageInput {
  /** broadcast: every task reads partition 0 of the topic in full (rules, models). */
  kind: 'source' | 'repartition' | 'table' | 'broadcast';
  topic: string;
  /** The node the input feeds: a source, keyBy or topK node (repartition), or a lookup node (table). */
  node: PlanNode;
  /** Source and table inputs: the topic definition. */
  def: TopicDef | undefined;
  /** Repartition inputs: how many upstream tasks write watermark markers into it. */
  producers: number;
  /** Repartition inputs: the records are pre-aggregated partials `[key, pane, accumulator]`. */
  partial: boolean;
}

export interface Stage {
  id: string;
  pipeline: string;
  /** Consumer group and state-store prefix: `<app>.<pipeline>`. */
  prefix: string;
  partitions: number;
  nodes: Set<PlanNode>;
  inputs: StageInput[];
  /** Repartition topics this stage writes, with their partition counts. */
  outputs: Map<string, number>;
}

export interface InternalTopic {
  name: string;
  partitions: number;
}

export interface CompiledPipeline {
  name: string;
  stages: Stage[];
  internalTopics: InternalTopic[];
  /** Node → the nodes it feeds (across stages). */
  consumers: Map<PlanNode, PlanNode[]>;
  /** `keyBy` nodes whose only consumer is a tumbling/hopping window: pre-aggregated upstream. */
  combined: Set<PlanNode>;
  /** `topK` nodes fed by final-only tumbling/hopping windows: each window task ships its top n. */
  rankedTopK: Set<PlanNode>;
}

/** Nodes that start a new stage behind a repartition. */
export function isBoundary(node: PlanNode): boolean {
  return node.kind === 'keyBy' || node.kind === 'topK';
}

export function repartitionTopic(app: string, pipeline: string, node: PlanNode): string {
  return `${app}.${pipeline}.${node.id}-repartition`;
}

export function compilePipeline(app: App, pipeline: PipelineDef): CompiledPipeline {
  const prefix = `${app.name}.${pipeline.name}`;
  if (pipeline.terminals.length === 0) {
    throw new StreamsightError(
      'SS_ERR_INVALID_PIPELINE',
      `pipeline ${prefix} has no output (to, sink or toView)`,
    );
  }
  // Collect nodes in topological order (inputs before consumers).
  const order: PlanNode[] = [];
  const seen = new Set<PlanNode>();
  const visit = (n: PlanNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const i of inputsOf(n)) visit(i);
    order.push(n);
  };
  for (const t of pipeline.terminals) visit(t);

  const consumers = new Map<PlanNode, PlanNode[]>(order.map((n) => [n, []]));
  for (const n of order) for (const i of inputsOf(n)) consumers.get(i)!.push(n);
  const combined = new Set<PlanNode>();
  for (const n of order) {
    const only = consumers.get(n)!;
    if (
      n.kind === 'keyBy' &&
      only.length === 1 &&
      only[0].kind === 'window' &&
      only[0].window.kind !== 'session'
    )
      combined.add(n);
  }

  // Union nodes into stages, except across boundaries.
  const parent = new Map<PlanNode, PlanNode>(order.map((n) => [n, n]));
  const find = (n: PlanNode): PlanNode => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(n, r);
    return r;
  };
  for (const n of order) {
    if (isBoundary(n)) continue;
    for (const i of inputsOf(n)) parent.set(find(i), find(n));
  }
  const groups = new Map<PlanNode, Set<PlanNode>>();
  for (const n of order) {
    const root = find(n);
    if (!groups.has(root)) groups.set(root, new Set());
    groups.get(root)!.add(n);
  }

  const sourcePartitions = order
    .filter((n) => n.kind === 'source')
    .map((n) => (n.kind === 'source' ? n.topic.partitions : 0));
  const defaultPartitions = Math.max(1, ...sourcePartitions);
  const boundaryPartitions = (n: PlanNode): number =>
    (n.kind === 'keyBy' && n.partitions) || defaultPartitions;

  const stageOf = new Map<PlanNode, Stage>();
  const stages: Stage[] = [];
  for (const nodes of groups.values()) {
    const inputs: StageInput[] = [];
    const counts = new Set<number>();
    for (const n of nodes) {
      if (n.kind === 'source') {
        inputs.push({
          kind: 'source',
          topic: n.topic.name,
          node: n,
          def: n.topic,
          producers: 0,
          partial: false,
        });
        counts.add(n.topic.partitions);
      } else if (isBoundary(n)) {
        const topic = repartitionTopic(app.name, pipeline.name, n);
        inputs.push({
          kind: 'repartition',
          topic,
          node: n,
          def: undefined,
          producers: 0,
          partial: combined.has(n),
        });
        counts.add(boundaryPartitions(n));
      } else if (n.kind === 'lookup') {
        inputs.push({
          kind: 'table',
          topic: n.table.name,
          node: n,
          def: n.table,
          producers: 0,
          partial: false,
        });
        counts.add(n.table.partitions);
      } else if (n.kind === 'process') {
        for (const b of n.broadcast) {
          inputs.push({ kind: 'broadcast', topic: b.name, node: n, def: b, producers: 0, partial: false });
        }
      }
    }
    if (counts.size !== 1) {
      const list = inputs.map((i) => i.topic).join(', ');
      throw new StreamsightError(
        'SS_ERR_INVALID_PIPELINE',
        `pipeline ${prefix}: inputs ${list} are not co-partitioned (partition counts ${[...counts].join(' ≠ ')}); keyBy one side first`,
      );
    }
    const stage: Stage = {
      id: '',
      pipeline: pipeline.name,
      prefix,
      partitions: [...counts][0],
      nodes,
      inputs,
      outputs: new Map(),
    };
    stages.push(stage);
    for (const n of nodes) stageOf.set(n, stage);
  }
  // Repartition edges: the upstream stage writes what the boundary node's stage reads.
  for (const n of order) {
    if (!isBoundary(n)) continue;
    const down = stageOf.get(n)!;
    for (const i of inputsOf(n)) {
      const up = stageOf.get(i)!;
      const topic = repartitionTopic(app.name, pipeline.name, n);
      up.outputs.set(topic, down.partitions);
      down.inputs.find((x) => x.topic === topic)!.producers = up.partitions;
    }
  }
  // Number stages upstream first (stage order follows the topological node order).
  stages.sort((a, b) => order.indexOf([...a.nodes][0]) - order.indexOf([...b.nodes][0]));
  stages.forEach((s, i) => {
    s.id = `stage-${i}`;
  });
  const internalTopics = stages.flatMap((s) =>
    [...s.outputs].map(([name, partitions]) => ({ name, partitions })),
  );
  // topK after final-only tumbling/hopping windows: each window task ships only its top n per window
  // (see PaneWindowOperator#fireTop).
  const rankedTopK = new Set<PlanNode>();
  for (const n of order) {
    if (n.kind !== 'topK' || n.input.kind !== 'window') continue;
    const w = n.input;
    const finalOnly = w.options.earlyEveryMs === 0 && w.options.allowedLatenessMs === 0;
    if (w.window.kind !== 'session' && finalOnly && consumers.get(w)!.length === 1) rankedTopK.add(n);
  }
  return { name: pipeline.name, stages, internalTopics, consumers, combined, rankedTopK };
}
