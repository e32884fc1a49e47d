import { useMemo } from 'react';
import type { PipelineInfo } from '../api/types.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { useRates } from '../hooks/use-rates.ts';
import { navigate } from '../hooks/use-route.ts';
import { DataTable, type TableColumn } from '../ui/data-table.tsx';
import { fmtMs, fmtNumber, fmtRate, fmtTime } from '../ui/format.ts';
import { Crumb, Empty, ErrorNote, PageHeader, Panel, Stat } from '../ui/panel.tsx';
import { StatusBadge } from './overview.tsx';
import { PipelineGraph } from './pipeline-graph.tsx';

/** A pipeline's tasks summed: what one row of a pipelines table shows. */
export function pipelineTotals(p: PipelineInfo) {
  const max = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? Math.max(...v) : null;
  };
  return {
    tasks: p.tasks.length,
    recordsIn: p.tasks.reduce((n, t) => n + t.recordsIn, 0),
    recordsOut: p.tasks.reduce((n, t) => n + t.recordsOut, 0),
    lag: p.tasks.reduce((n, t) => n + t.lag, 0),
    p50: max(p.tasks.map((t) => t.latencyP50Ms)),
    p99: max(p.tasks.map((t) => t.latencyP99Ms)),
    watermarkDelay: max(p.tasks.map((t) => t.watermarkDelayMs)),
  };
}

/** Record counts, in both tables: what came in, what went out, what waits. */
const COUNT_COLUMNS: TableColumn[] = [
  { field: 'recordsIn', label: 'records in', align: 'right', render: (r) => fmtNumber(r.recordsIn) },
  { field: 'recordsOut', label: 'records out', align: 'right', render: (r) => fmtNumber(r.recordsOut) },
  { field: 'lag', align: 'right', render: (r) => fmtNumber(r.lag) },
];

/** A right-aligned column of milliseconds. */
function msColumn(field: string, label: string): TableColumn {
  return { field, label, align: 'right', render: (r) => fmtMs(r[field]) };
}

export function PipelinesPage(props: { app?: string; name?: string }) {
  const poll = usePoll<{ pipelines: PipelineInfo[] }>('/pipelines', 1000);
  const all = poll.data?.pipelines ?? [];
  const counters = useMemo(
    () => new Map(all.map((p) => [`${p.app}/${p.name}`, pipelineTotals(p).recordsIn])),
    [all],
  );
  const rates = useRates(counters, poll.at);
  if (props.app && props.name) {
    const p = all.find((x) => x.app === props.app && x.name === props.name);
    return (
      <>
        <PageHeader
          title={
            <>
              <Crumb to="/pipelines">Pipelines</Crumb> / {props.name}
            </>
          }
          sub={
            p ? (
              <>
                app {p.app} · <StatusBadge status={p.status} />
              </>
            ) : undefined
          }
        />
        <ErrorNote error={poll.error} />
        {p ? (
          <PipelineDetail pipeline={p} at={poll.at} />
        ) : poll.data ? (
          <Empty>
            No pipeline {props.name} in {props.app}
          </Empty>
        ) : (
          <Empty>Loading…</Empty>
        )}
      </>
    );
  }
  return (
    <>
      <PageHeader title="Pipelines" sub={`${all.length} pipelines`} />
      <ErrorNote error={poll.error} />
      <Panel>
        <DataTable
          testId="pipelines-table"
          rows={all.map((p) => ({
            ...pipelineTotals(p),
            app: p.app,
            name: p.name,
            status: p.status,
            rate: rates.get(`${p.app}/${p.name}`) ?? null,
          }))}
          rowKey={(r) => `${r.app}/${r.name}`}
          onRowClick={(r) =>
            navigate(`/pipelines/${encodeURIComponent(String(r.app))}/${encodeURIComponent(String(r.name))}`)
          }
          columns={[
            { field: 'name', label: 'pipeline', render: (r) => <b>{String(r.name)}</b> },
            { field: 'app' },
            { field: 'status', render: (r) => <StatusBadge status={String(r.status)} /> },
            { field: 'tasks', align: 'right' },
            { field: 'rate', label: 'in/s', align: 'right', render: (r) => fmtRate(r.rate as number | null) },
            ...COUNT_COLUMNS,
            msColumn('watermarkDelay', 'wm delay'),
            msColumn('p50', 'p50'),
            msColumn('p99', 'p99'),
          ]}
        />
      </Panel>
    </>
  );
}

function PipelineDetail(props: { pipeline: PipelineInfo; at: number }) {
  const p = props.pipeline;
  const { ins, outs, stages } = useMemo(() => {
    const ins = new Map<string, number>();
    const outs = new Map<string, number>();
    const stages = new Map<string, string>();
    for (const t of p.tasks) {
      for (const op of t.operators) {
        ins.set(op.id, (ins.get(op.id) ?? 0) + op.recordsIn);
        outs.set(op.id, (outs.get(op.id) ?? 0) + op.recordsOut);
        stages.set(op.id, String(t.stage));
      }
    }
    return { ins, outs, stages };
  }, [p]);
  const rateIn = useRates(ins, props.at);
  const rateOut = useRates(outs, props.at);
  const totals = pipelineTotals(p);
  const totalRate = useRates(
    useMemo(() => new Map([['in', totals.recordsIn]]), [totals.recordsIn]),
    props.at,
  );
  return (
    <>
      <div className="stats">
        <Stat
          label="Records in"
          value={fmtRate(totalRate.get('in'))}
          hint={`${fmtNumber(totals.recordsIn)} total`}
        />
        <Stat label="Records out" value={fmtNumber(totals.recordsOut)} />
        <Stat label="Tasks" value={fmtNumber(totals.tasks)} />
        <Stat label="Lag" value={fmtNumber(totals.lag)} />
        <Stat label="Watermark delay" value={fmtMs(totals.watermarkDelay)} />
        <Stat label="Batch time p99" value={fmtMs(totals.p99)} hint={`p50 ${fmtMs(totals.p50)}`} />
      </div>
      <Panel title="Operator graph">
        {p.graph.nodes.length === 0 ? (
          <Empty>No graph</Empty>
        ) : (
          <PipelineGraph pipeline={p} rateIn={rateIn} rateOut={rateOut} stages={stages} />
        )}
      </Panel>
      <Panel title="Tasks">
        <DataTable
          rows={p.tasks.map((t) => ({ ...t, task: `${t.stage}-${t.partition}` })) as never}
          rowKey={(r) => String(r.task)}
          columns={[
            { field: 'stage', align: 'right' },
            { field: 'partition', align: 'right' },
            ...COUNT_COLUMNS,
            { field: 'watermark', render: (r) => fmtTime(r.watermark) },
            msColumn('watermarkDelayMs', 'wm delay'),
            msColumn('latencyP50Ms', 'p50'),
            msColumn('latencyP99Ms', 'p99'),
          ]}
        />
      </Panel>
    </>
  );
}
