import type { AppInfo, Overview, PipelineInfo, TopicInfo } from '../api/types.ts';
import { TimeChart } from '../charts/uplot-chart.tsx';
import { useHistory } from '../hooks/use-history.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { navigate } from '../hooks/use-route.ts';
import { DataTable } from '../ui/data-table.tsx';
import { fmtDuration, fmtMs, fmtNumber, fmtRate } from '../ui/format.ts';
import { Badge, Empty, ErrorNote, PageHeader, Panel, Stat } from '../ui/panel.tsx';
import { pipelineTotals } from './pipelines.tsx';

export function OverviewPage() {
  const ov = usePoll<Overview>('/overview', 1000);
  const topics = usePoll<{ topics: TopicInfo[] }>('/topics', 2000);
  const pipelines = usePoll<{ pipelines: PipelineInfo[] }>('/pipelines', 2000);
  const apps = usePoll<{ apps: AppInfo[] }>('/apps', 10_000);
  const o = ov.data;
  const inH = useHistory(o?.eventsInPerSec, ov.at);
  const outH = useHistory(o?.eventsOutPerSec, ov.at);
  const lagH = useHistory(o?.lag, ov.at);
  const p99H = useHistory(o?.latencyP99Ms, ov.at);
  const userTopics = (topics.data?.topics ?? []).filter((t) => !t.name.includes('.'));
  const running = (pipelines.data?.pipelines ?? []).filter((p) => p.status === 'running').length;
  return (
    <>
      <PageHeader title="Overview" sub={o ? `up ${fmtDuration(o.uptimeSec)}` : undefined} />
      <ErrorNote error={ov.error} />
      <div className="stats" data-testid="overview-stats">
        <Stat
          label="Apps"
          value={fmtNumber(Array.isArray(o?.apps) ? o.apps.length : (o?.apps ?? apps.data?.apps.length))}
          hint={Array.isArray(o?.apps) ? o.apps.join(', ') : undefined}
        />
        <Stat
          label="Topics"
          value={fmtNumber(userTopics.length)}
          hint={`${topics.data?.topics.length ?? 0} with internal`}
        />
        <Stat
          label="Pipelines"
          value={fmtNumber(pipelines.data?.pipelines.length)}
          hint={`${running} running`}
        />
        <Stat label="Events in" value={fmtRate(o?.eventsInPerSec)} testId="stat-events-in" />
        <Stat label="Events out" value={fmtRate(o?.eventsOutPerSec)} />
        <Stat
          label="Consumer lag"
          value={fmtNumber(o?.lag)}
          tone={(o?.lag ?? 0) > 10_000 ? 'warn' : undefined}
        />
        <Stat label="Batch time p50" value={fmtMs(o?.latencyP50Ms)} />
        <Stat
          label="Batch time p99"
          value={fmtMs(o?.latencyP99Ms)}
          tone={(o?.latencyP99Ms ?? 0) > 1000 ? 'warn' : undefined}
        />
        <Stat label="Watermark delay" value={fmtMs(o?.watermarkDelayMs)} />
        <Stat
          label="Dead letters"
          value={fmtNumber(o?.deadLetters)}
          tone={(o?.deadLetters ?? 0) > 0 ? 'bad' : 'good'}
        />
      </div>
      <div className="grid">
        <Panel title="Events per second" span={6}>
          {inH[0].length < 2 ? (
            <Empty>Collecting…</Empty>
          ) : (
            <TimeChart
              x={inH[0]}
              series={[
                { label: 'in', values: inH[1] },
                { label: 'out', values: outH[1].slice(-inH[1].length) },
              ]}
              height={180}
            />
          )}
        </Panel>
        <Panel title="Consumer lag and p99 batch time" span={6}>
          {lagH[0].length < 2 ? (
            <Empty>Collecting…</Empty>
          ) : (
            <TimeChart
              x={lagH[0]}
              series={[
                { label: 'lag (records)', values: lagH[1] },
                {
                  label: 'p99 (ms)',
                  values: p99H[1].length === lagH[1].length ? p99H[1] : lagH[1].map(() => null),
                },
              ]}
              height={180}
            />
          )}
        </Panel>
        <Panel title="Pipelines" span={7}>
          <DataTable
            rows={(pipelines.data?.pipelines ?? []).map((p) => ({
              ...pipelineTotals(p),
              app: p.app,
              name: p.name,
              status: p.status,
            }))}
            rowKey={(r) => `${r.app}/${r.name}`}
            onRowClick={(r) =>
              navigate(
                `/pipelines/${encodeURIComponent(String(r.app))}/${encodeURIComponent(String(r.name))}`,
              )
            }
            columns={[
              { field: 'name', label: 'pipeline', render: (r) => <b>{String(r.name)}</b> },
              { field: 'app' },
              { field: 'status', render: (r) => <StatusBadge status={String(r.status)} /> },
              { field: 'tasks', align: 'right' },
              {
                field: 'recordsIn',
                label: 'records in',
                align: 'right',
                render: (r) => fmtNumber(r.recordsIn),
              },
              { field: 'lag', align: 'right', render: (r) => fmtNumber(r.lag) },
              { field: 'p99', label: 'p99', align: 'right', render: (r) => fmtMs(r.p99) },
            ]}
          />
        </Panel>
        <Panel title="Topics" span={5}>
          <DataTable
            rows={userTopics as never}
            rowKey={(r) => String(r.name)}
            onRowClick={(r) => navigate(`/topics/${encodeURIComponent(String(r.name))}`)}
            columns={[
              { field: 'name', render: (r) => <b>{String(r.name)}</b> },
              { field: 'partitions', label: 'parts', align: 'right' },
              { field: 'records', align: 'right', render: (r) => fmtNumber(r.records) },
              {
                field: 'ratePerSec',
                label: 'rate',
                align: 'right',
                render: (r) => fmtRate(r.ratePerSec as number),
              },
            ]}
          />
        </Panel>
      </div>
    </>
  );
}

export function StatusBadge(props: { status: string }) {
  const tone = props.status === 'running' ? 'good' : props.status === 'failed' ? 'bad' : 'warn';
  return <Badge tone={tone}>{props.status}</Badge>;
}
