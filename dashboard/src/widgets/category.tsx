import { useMemo } from 'react';
import type { CategoryWidget, Row } from '../api/types.ts';
import { EChart } from '../charts/echart.tsx';
import { PALETTE } from '../charts/palette.ts';
import { fmtNumber } from '../ui/format.ts';
import { Empty } from '../ui/panel.tsx';
import { categories, latestWindow } from './rows.ts';

function itemsOf(widget: CategoryWidget, rows: Row[]) {
  return categories(
    widget.latestWindow ? latestWindow(rows) : rows,
    widget.category,
    widget.value,
    widget.limit ?? 10,
  );
}

/** Horizontal bars in plain HTML: long category names stay readable and the bars stay crisp. */
export function Bars(props: { widget: CategoryWidget; rows: Row[] }) {
  const items = useMemo(() => itemsOf(props.widget, props.rows), [props.widget, props.rows]);
  if (items.length === 0) return <Empty>Waiting for data…</Empty>;
  const max = Math.max(...items.map((i) => i.value), 0) || 1;
  return (
    <div className="bars" data-testid="bars">
      {items.map((item, i) => (
        <div className="bar-row" key={item.name}>
          <div className="bar-label" title={item.name}>
            {item.name}
          </div>
          <div className="bar-track">
            <div
              className="bar-fill"
              style={{
                width: `${Math.max(0.5, (item.value / max) * 100)}%`,
                background: PALETTE[i % PALETTE.length],
              }}
            />
          </div>
          <div className="bar-value">{fmtNumber(item.value)}</div>
        </div>
      ))}
    </div>
  );
}

export function Donut(props: { widget: CategoryWidget; rows: Row[] }) {
  const items = useMemo(() => itemsOf(props.widget, props.rows), [props.widget, props.rows]);
  const option = useMemo(
    () => ({
      color: PALETTE,
      tooltip: { trigger: 'item', valueFormatter: (v: number) => fmtNumber(v) },
      series: [
        {
          type: 'pie',
          radius: ['52%', '78%'],
          center: ['50%', '50%'],
          avoidLabelOverlap: true,
          itemStyle: { borderColor: '#161a21', borderWidth: 2 },
          label: { show: false },
          data: items,
        },
      ],
    }),
    [items],
  );
  if (items.length === 0) return <Empty>Waiting for data…</Empty>;
  const total = items.reduce((n, i) => n + i.value, 0) || 1;
  return (
    <div className="donut" data-testid="donut">
      <EChart option={option} height={220} />
      <ul className="legend">
        {items.map((item, i) => (
          <li key={item.name}>
            <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            <span className="legend-name" title={item.name}>
              {item.name}
            </span>
            <span className="legend-value">{((item.value / total) * 100).toFixed(1)} %</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
