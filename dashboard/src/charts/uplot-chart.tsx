import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtNumber } from '../ui/format.ts';
import { AXIS, GRID, PALETTE } from './palette.ts';

export interface LineSeries {
  label: string;
  /** y values aligned with `x`; null draws a gap. */
  values: (number | null)[];
}

/**
 * A uPlot time-series chart that fills its box: sized from a ResizeObserver, rebuilt only when the
 * set of series changes, and otherwise fed new data with `setData` (cheap enough for every delta).
 * `x` is in seconds (uPlot's time unit).
 */
export function TimeChart(props: {
  x: number[];
  series: LineSeries[];
  height?: number;
  fill?: boolean;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = props.series.map((s) => s.label).join('\u0000');
  const height = props.height ?? 220;
  const data = [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData;
  const latest = useRef(data);
  latest.current = data;

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the series set changes; data flows through setData below
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height,
      cursor: { drag: { x: true, y: false } },
      legend: { show: props.series.length > 1, live: true },
      scales: {
        x: {
          time: true,
          // A single time (a first window): a minute either side. uPlot would span 1,000 days (its
          // one-day default, counted in milliseconds against our seconds).
          range: (u, min, max) => {
            const xs = u.data[0];
            return xs.length === 1 ? [xs[0] - 60, xs[0] + 60] : [min, max];
          },
        },
      },
      axes: [
        { stroke: AXIS, grid: { stroke: GRID }, ticks: { stroke: GRID } },
        {
          stroke: AXIS,
          grid: { stroke: GRID },
          ticks: { stroke: GRID },
          size: 56,
          values: (_u, splits) => splits.map((v) => fmtNumber(v)),
        },
      ],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          fill: props.fill && props.series.length === 1 ? `${PALETTE[i % PALETTE.length]}22` : undefined,
          spanGaps: true,
          // uPlot's default: dots only while the points are few enough to tell apart (a lone point
          // would otherwise be invisible).
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmtNumber(v)),
        })),
      ],
    };
    const u = new uPlot(opts, latest.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [labels, height]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return <div ref={box} className="uplot-box" data-testid={props.testId} data-points={props.x.length} />;
}
