import { useMemo } from 'react';
import type { Column, Row, ViewInfo, ViewPage } from '../api/types.ts';
import { TimeChart } from '../charts/uplot-chart.tsx';
import { useChannel } from '../hooks/use-live.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { navigate } from '../hooks/use-route.ts';
import { DataTable } from '../ui/data-table.tsx';
import { fmtNumber, num } from '../ui/format.ts';
import { Crumb, Empty, ErrorNote, PageHeader, Panel } from '../ui/panel.tsx';
import { sortBy } from '../widgets/rows.ts';
import { seriesOf } from '../widgets/timeseries.tsx';

const href = (app: string, view: string) => `/views/${encodeURIComponent(app)}/${encodeURIComponent(view)}`;

export function ViewsPage(props: { app?: string; view?: string }) {
  const poll = usePoll<{ views: ViewInfo[] }>('/views', 5000);
  const views = poll.data?.views ?? [];
  if (props.app && props.view)
    return (
      <ViewDetail
        app={props.app}
        view={props.view}
        info={views.find((v) => v.app === props.app && v.name === props.view)}
      />
    );
  return (
    <>
      <PageHeader title="Views" sub="Materialized results, kept in the view store and pushed live" />
      <ErrorNote error={poll.error} />
      <Panel>
        <DataTable
          testId="views-table"
          rows={views.map((v) => ({ ...v, columnCount: v.columns.length })) as never}
          rowKey={(r) => `${r.app}/${r.name}`}
          onRowClick={(r) => navigate(href(String(r.app), String(r.name)))}
          columns={[
            { field: 'name', label: 'view', render: (r) => <b>{String(r.name)}</b> },
            { field: 'app' },
            { field: 'table', label: 'SQL table', render: (r) => <code>{String(r.table)}</code> },
            { field: 'rows', align: 'right', render: (r) => fmtNumber(r.rows) },
            { field: 'columnCount', label: 'columns', align: 'right' },
          ]}
        />
      </Panel>
    </>
  );
}

const META = new Set(['view_key', 'updated_at', 'window_start', 'window_end', 'key', 'final']);

/**
 * Picks a chart for any view: over `window_start` (or `updated_at`) the first numeric value
 * column, one line per key when there are few keys, else their sum.
 */
function autoChart(columns: Column[], rows: Row[]) {
  const names = new Set(columns.map((c) => c.name));
  const x = names.has('window_start') ? 'window_start' : 'updated_at';
  const numeric = columns.find(
    (c) => !META.has(c.name) && rows.some((r) => num(r[c.name]) !== null) && c.type !== 'json',
  );
  if (!numeric) return null;
  const keys = new Set(rows.map((r) => String(r.key ?? '')));
  if (names.has('key') && keys.size > 1 && keys.size <= 8) {
    return {
      title: `${numeric.name} per key over ${x}`,
      ...seriesOf(
        {
          kind: 'timeseries',
          view: '',
          title: '',
          x,
          series: [{ field: numeric.name, label: numeric.name }],
          groupBy: 'key',
        },
        rows,
      ),
    };
  }
  if (keys.size > 8) {
    const sums = new Map<number, number>();
    for (const r of rows) {
      const t = num(r[x]);
      const v = num(r[numeric.name]);
      if (t !== null && v !== null) sums.set(t, (sums.get(t) ?? 0) + v);
    }
    const xs = [...sums.keys()].sort((a, b) => a - b).slice(-300);
    return {
      title: `sum of ${numeric.name} over ${x} (${keys.size} keys)`,
      x: xs.map((t) => t / 1000),
      series: [{ label: `sum(${numeric.name})`, values: xs.map((t) => sums.get(t) ?? null) }],
    };
  }
  return {
    title: `${numeric.name} over ${x}`,
    ...seriesOf(
      { kind: 'timeseries', view: '', title: '', x, series: [{ field: numeric.name, label: numeric.name }] },
      rows,
    ),
  };
}

function ViewDetail(props: { app: string; view: string; info: ViewInfo | undefined }) {
  const channel = useChannel(props.app, props.view);
  const total = usePoll<ViewPage>(
    `/views/${encodeURIComponent(props.app)}/${encodeURIComponent(props.view)}?limit=1`,
    5000,
  );
  const rows = useMemo(() => sortBy([...channel.rows.values()], 'updated_at', true), [channel]);
  const columns = channel.columns.length > 0 ? channel.columns : (props.info?.columns ?? []);
  const chart = useMemo(() => autoChart(columns, rows), [columns, rows]);
  return (
    <>
      <PageHeader
        title={
          <>
            <Crumb to="/views">Views</Crumb> / {props.app} / {props.view}
          </>
        }
        sub={
          <>
            {fmtNumber(total.data?.total ?? props.info?.rows)} rows in the store · {fmtNumber(rows.length)}{' '}
            live
            {props.info ? (
              <>
                {' '}
                · SQL <code>{props.info.table}</code>
              </>
            ) : null}
          </>
        }
      />
      <ErrorNote error={channel.error} />
      {chart && chart.x.length > 0 && (
        <Panel title={chart.title}>
          <TimeChart x={chart.x} series={chart.series} height={220} fill testId="view-chart" />
        </Panel>
      )}
      <Panel title="Rows (newest first)">
        <DataTable
          testId="view-rows"
          maxHeight={560}
          rows={rows.slice(0, 300)}
          columns={columns.map((c) => ({ field: c.name }))}
          empty={channel.ready ? 'No rows yet' : 'Connecting…'}
        />
      </Panel>
      {!channel.ready && !channel.error && <Empty>Waiting for the live snapshot…</Empty>}
    </>
  );
}
