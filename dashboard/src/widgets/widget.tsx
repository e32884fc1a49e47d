import { lazy, Suspense, useMemo } from 'react';
import type { Widget } from '../api/types.ts';
import { useChannel } from '../hooks/use-live.ts';
import { Empty, ErrorNote, Panel } from '../ui/panel.tsx';
import { Bars, Donut } from './category.tsx';
import { Confusion } from './confusion.tsx';
import { applyWhere } from './rows.ts';
import { Table } from './table.tsx';
import { Tiles } from './tiles.tsx';
import { TimeSeries } from './timeseries.tsx';

const WorldMap = lazy(() => import('./world-map.tsx'));

/**
 * One widget of an app page: follows its view's live channel and renders the rows by kind. Every
 * kind reads the same row list, so any view can feed any widget whose fields it has.
 */
export function WidgetPanel(props: { app: string; widget: Widget }) {
  const w = props.widget;
  const channel = useChannel(props.app, w.view);
  const rows = useMemo(() => applyWhere([...channel.rows.values()], w.where), [channel, w.where]);
  let body: React.ReactNode;
  if (!channel.ready && !channel.error) body = <Empty>Connecting…</Empty>;
  else {
    switch (w.kind) {
      case 'tiles':
        body = <Tiles widget={w} rows={rows} />;
        break;
      case 'timeseries':
        body = <TimeSeries widget={w} rows={rows} />;
        break;
      case 'bars':
        body = <Bars widget={w} rows={rows} />;
        break;
      case 'donut':
        body = <Donut widget={w} rows={rows} />;
        break;
      case 'table':
        body = <Table widget={w} rows={rows} />;
        break;
      case 'worldmap':
        body = (
          <Suspense fallback={<Empty>Loading map…</Empty>}>
            <WorldMap widget={w} rows={rows} />
          </Suspense>
        );
        break;
      case 'confusion':
        body = <Confusion widget={w} rows={rows} />;
        break;
      default:
        body = <Empty>Unknown widget kind {(w as { kind: string }).kind}</Empty>;
    }
  }
  return (
    <Panel
      title={w.title}
      span={w.width ?? 6}
      className={`widget widget-${w.kind}`}
      testId={`widget-${w.kind}`}
      actions={
        <span className="muted small" title="rows in the view's live channel">
          {w.view} · {rows.length}
        </span>
      }
    >
      <ErrorNote error={channel.error} />
      {body}
    </Panel>
  );
}
