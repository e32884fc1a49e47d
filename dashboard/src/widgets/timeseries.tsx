import { useMemo } from 'react';
import type { Row, TimeSeriesWidget } from '../api/types.ts';
import { type LineSeries, TimeChart } from '../charts/uplot-chart.tsx';
import { num } from '../ui/format.ts';
import { Empty } from '../ui/panel.tsx';

/** Lines a chart can carry before it stops being readable: the biggest groups win. */
const MAX_GROUPS = 8;

/**
 * Aligns view rows into uPlot's columns: the sorted distinct x values within the span, and per
 * line the value at each x (null where that line has no row, drawn as a bridged gap).
 */
export function seriesOf(widget: TimeSeriesWidget, rows: Row[]): { x: number[]; series: LineSeries[] } {
  const points: { x: number; line: string; y: number }[] = [];
  let maxX = Number.NEGATIVE_INFINITY;
  const lines: { id: string; label: string; field: string }[] = [];
  if (widget.groupBy) {
    const s = widget.series[0];
    const totals = new Map<string, number>();
    for (const r of rows) {
      const x = num(r[widget.x]);
      const y = num(r[s.field]);
      if (x === null || y === null) continue;
      const g = String(r[widget.groupBy] ?? '—');
      totals.set(g, (totals.get(g) ?? 0) + y);
      points.push({ x, line: g, y });
      if (x > maxX) maxX = x;
    }
    for (const [g] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, MAX_GROUPS)) {
      lines.push({ id: g, label: g, field: s.field });
    }
  } else {
    for (const s of widget.series) lines.push({ id: s.field, label: s.label, field: s.field });
    for (const r of rows) {
      const x = num(r[widget.x]);
      if (x === null) continue;
      for (const s of widget.series) {
        const y = num(r[s.field]);
        if (y !== null) points.push({ x, line: s.field, y });
      }
      if (x > maxX) maxX = x;
    }
  }
  const since = maxX - (widget.spanMs ?? 10 * 60_000);
  const xs = [...new Set(points.filter((p) => p.x >= since).map((p) => p.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const series: LineSeries[] = lines.map((l) => ({
    label: l.label,
    values: new Array(xs.length).fill(null),
  }));
  const lineIndex = new Map(lines.map((l, i) => [l.id, i]));
  for (const p of points) {
    const i = index.get(p.x);
    const li = lineIndex.get(p.line);
    if (i !== undefined && li !== undefined) series[li].values[i] = p.y;
  }
  return { x: xs.map((x) => x / 1000), series };
}

export function TimeSeries(props: { widget: TimeSeriesWidget; rows: Row[] }) {
  const { x, series } = useMemo(() => seriesOf(props.widget, props.rows), [props.widget, props.rows]);
  if (x.length === 0) return <Empty>Waiting for data…</Empty>;
  return <TimeChart x={x} series={series} height={220} fill testId="timeseries" />;
}
