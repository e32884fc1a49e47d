/**
 * The pattern operator's state store, version 1. Values are msgpack; keys:
 *
 *   '~meta'                          → [watermark (null = −∞), next arrival number, next event id,
 *                                       next segment id]
 *   'p' + segment id                 → [[arrival number, key, event time, value]…]  records that
 *                                       arrived between two checkpoints and were still waiting for
 *                                       the watermark; those at or before the watermark are released
 *   'r' + rule id                    → the rule (its JSON object)  runtime rules only
 *   'k' + machine id + '/' + key tag → [nodes, runs]               the partial matches of one key
 *       nodes: [value, ts, event id, step, index of prev or -1]…   each node after its prev, so
 *              branches that share events share nodes after a restore too
 *       runs:  [step, count, node index, startTs, startId, fresh 0|1, anchor, greedyFrom]…
 *
 * The machine id is '' for `.pattern(p)` and the rule id for runtime rules (rule ids have no '/');
 * key tags are `keyTag(key)`, so 7 and '7' stay distinct.
 */

import { msgpackCodec } from '../dataflow/codec.ts';
import type { EventNode, Run } from './nfa.ts';

export const META = '~meta';
export const PENDING = 'p';
export const RULE = 'r';
export const KEYS = 'k';

type NodeRow = [unknown, number, number, number, number];
type RunRow = [number, number, number, number, number, 0 | 1, number, number];

/** Encodes one key's runs with their shared event chains. */
export function encodeRuns(runs: readonly Run[]): Uint8Array {
  const index = new Map<EventNode, number>();
  const nodes: NodeRow[] = [];
  const path: EventNode[] = [];
  const rows: RunRow[] = [];
  for (const r of runs) {
    for (let n: EventNode | null = r.last; n !== null && !index.has(n); n = n.prev) path.push(n);
    while (path.length > 0) {
      const n = path.pop()!;
      index.set(n, nodes.length);
      nodes.push([n.value, n.ts, n.id, n.step, n.prev === null ? -1 : index.get(n.prev)!]);
    }
    rows.push([
      r.step,
      r.count,
      index.get(r.last)!,
      r.startTs,
      r.startId,
      r.fresh ? 1 : 0,
      r.anchor,
      r.greedyFrom,
    ]);
  }
  return msgpackCodec.encode([nodes, rows]);
}

/** Inverse of encodeRuns. */
export function decodeRuns(bytes: Uint8Array): Run[] {
  const [nodeRows, runRows] = msgpackCodec.decode(bytes) as [NodeRow[], RunRow[]];
  const nodes: EventNode[] = [];
  for (const [value, ts, id, step, prev] of nodeRows) {
    nodes.push({ value, ts, id, step, prev: prev < 0 ? null : nodes[prev] });
  }
  return runRows.map(([step, count, last, startTs, startId, fresh, anchor, greedyFrom]) => ({
    step,
    count,
    last: nodes[last],
    startTs,
    startId,
    fresh: fresh === 1,
    anchor,
    greedyFrom,
  }));
}
