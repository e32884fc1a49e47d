import type { PipelineInfo } from '../api/types.ts';
import { fmtNumber } from '../ui/format.ts';

const NODE_W = 176;
const NODE_H = 58;
const COL_GAP = 48;
const ROW_GAP = 14;
const PAD = 12;
const LABEL_W = 72;
const BAND_PAD = 12;
const BAND_GAP = 28;

const KIND_COLORS: Record<string, string> = {
  source: '#5794f2',
  topic: '#5794f2',
  window: '#b877d9',
  aggregate: '#b877d9',
  join: '#ff9830',
  lookup: '#ff9830',
  sink: '#73bf69',
  view: '#73bf69',
  to: '#73bf69',
  repartition: '#f2cc0c',
  keyBy: '#f2cc0c',
  pattern: '#f2495c',
};

function colorOf(kind: string): string {
  for (const [k, c] of Object.entries(KIND_COLORS))
    if (kind.toLowerCase().includes(k.toLowerCase())) return c;
  return '#8e96a3';
}

/**
 * Lays a pipeline's operator graph out by stage: one band per stage (the operators that run in one
 * task, between the repartitions that cut the pipeline), top to bottom in data order, and within a
 * band left to right by the longest path from a source, so edges inside a stage point right and
 * edges between stages point down. Nodes no task reports (sources, keyBy) join the stage of the
 * node they feed or, failing that, of the node feeding them.
 */
export function layout(graph: PipelineInfo['graph'], stages: Map<string, string>) {
  const depth = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  // Longest path by relaxation; bounded by the node count so a cycle cannot loop forever.
  for (let i = 0; i < graph.nodes.length; i++) {
    let changed = false;
    for (const e of graph.edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if (depth.has(e.to) && d > (depth.get(e.to) ?? 0)) {
        depth.set(e.to, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const stageOf = new Map(stages);
  for (let i = 0; i < graph.nodes.length; i++) {
    for (const e of graph.edges) {
      if (!stageOf.has(e.from) && stageOf.has(e.to)) stageOf.set(e.from, stageOf.get(e.to)!);
    }
    for (const e of graph.edges) {
      if (!stageOf.has(e.to) && stageOf.has(e.from)) stageOf.set(e.to, stageOf.get(e.from)!);
    }
  }
  const bands = new Map<string, string[]>();
  for (const n of graph.nodes) {
    const st = stageOf.get(n.id) ?? '';
    bands.set(st, [...(bands.get(st) ?? []), n.id]);
  }
  const order = [...bands.keys()].sort(
    (a, b) =>
      Math.min(...bands.get(a)!.map((id) => depth.get(id) ?? 0)) -
        Math.min(...bands.get(b)!.map((id) => depth.get(id) ?? 0)) ||
      a.localeCompare(b, undefined, { numeric: true }),
  );
  const pos = new Map<string, { x: number; y: number }>();
  const labels: { stage: string; y: number; height: number }[] = [];
  let y = PAD;
  let width = 0;
  for (const stage of order) {
    const ids = bands.get(stage)!;
    const base = Math.min(...ids.map((id) => depth.get(id) ?? 0));
    const columns = new Map<number, string[]>();
    for (const id of ids) {
      const c = (depth.get(id) ?? 0) - base;
      columns.set(c, [...(columns.get(c) ?? []), id]);
    }
    const tallest = Math.max(...[...columns.values()].map((c) => c.length));
    for (const [c, col] of columns) {
      col.forEach((id, i) => {
        pos.set(id, { x: LABEL_W + PAD + c * (NODE_W + COL_GAP), y: y + BAND_PAD + i * (NODE_H + ROW_GAP) });
      });
      width = Math.max(width, LABEL_W + PAD * 2 + c * (NODE_W + COL_GAP) + NODE_W);
    }
    const height = tallest * NODE_H + (tallest - 1) * ROW_GAP + BAND_PAD * 2;
    labels.push({ stage, y, height });
    y += height + BAND_GAP;
  }
  return { pos, width, height: y - BAND_GAP + PAD, bands: labels };
}

export function PipelineGraph(props: {
  pipeline: PipelineInfo;
  rateIn: Map<string, number>;
  rateOut: Map<string, number>;
  stages: Map<string, string>;
}) {
  const { graph } = props.pipeline;
  const { pos, width, height, bands } = layout(graph, props.stages);
  return (
    <div className="graph-wrap" data-testid="pipeline-graph">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="operator graph"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#5a6270" />
          </marker>
        </defs>
        {bands.map((b) => (
          <g key={b.stage}>
            <rect
              x={PAD / 2}
              y={b.y}
              width={width - PAD}
              height={b.height}
              rx={6}
              fill="rgba(255,255,255,0.02)"
              stroke="#222833"
            />
            <text x={PAD} y={b.y + b.height / 2 + 4} className="gn-stage">
              {b.stage || 'stage'}
            </text>
          </g>
        ))}
        {graph.edges.map((e) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          if (!a || !b) return null;
          const down = b.y > a.y + NODE_H;
          const x1 = down ? a.x + NODE_W / 2 : a.x + NODE_W;
          const y1 = down ? a.y + NODE_H : a.y + NODE_H / 2;
          const x2 = down ? b.x + NODE_W / 2 : b.x - 2;
          const y2 = down ? b.y - 2 : b.y + NODE_H / 2;
          const d = down
            ? `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`
            : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
          const rate = props.rateOut.get(e.from);
          return (
            <g key={`${e.from}->${e.to}`}>
              <path
                d={d}
                fill="none"
                stroke="#5a6270"
                strokeWidth={1.5}
                strokeOpacity={rate ? 1 : 0.5}
                markerEnd="url(#arrow)"
              />
            </g>
          );
        })}
        {graph.nodes.map((n) => {
          const p = pos.get(n.id);
          if (!p) return null;
          const c = colorOf(n.kind);
          const rin = props.rateIn.get(n.id);
          const rout = props.rateOut.get(n.id);
          return (
            <g key={n.id} transform={`translate(${p.x},${p.y})`} className="graph-node">
              <title>{`${n.id} (${n.kind})`}</title>
              <rect width={NODE_W} height={NODE_H} rx={6} fill="#1c212a" stroke="#343b47" />
              <rect width={4} height={NODE_H} rx={2} fill={c} />
              <text x={12} y={17} className="gn-kind" fill={c}>
                {n.kind}
              </text>
              <text x={12} y={34} className="gn-label">
                {n.label.length > 24 ? `${n.label.slice(0, 23)}…` : n.label}
              </text>
              <text x={12} y={50} className="gn-rate" data-testid="operator-rate">
                {rin === undefined && rout === undefined
                  ? '—'
                  : `${fmtNumber(rin ?? 0)}/s in · ${fmtNumber(rout ?? 0)}/s out`}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
