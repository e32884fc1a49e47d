import { useState } from 'react';
import type { TopicInfo, TopicRecord } from '../api/types.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { navigate } from '../hooks/use-route.ts';
import { DataTable } from '../ui/data-table.tsx';
import { fmtNumber, fmtRate, fmtTime } from '../ui/format.ts';
import { Crumb, Empty, ErrorNote, PageHeader, Panel, Stat } from '../ui/panel.tsx';

export function TopicsPage(props: { topic?: string }) {
  const poll = usePoll<{ topics: TopicInfo[] }>('/topics', 2000);
  const [showInternal, setShowInternal] = useState(false);
  const all = poll.data?.topics ?? [];
  if (props.topic) {
    const t = all.find((x) => x.name === props.topic);
    return <TopicDetail name={props.topic} info={t} />;
  }
  const shown = showInternal ? all : all.filter((t) => !t.name.includes('.'));
  return (
    <>
      <PageHeader
        title="Topics"
        sub={`${shown.length} of ${all.length} topics`}
        actions={
          <label className="check">
            <input
              type="checkbox"
              checked={showInternal}
              onChange={(e) => setShowInternal(e.target.checked)}
            />{' '}
            internal topics
          </label>
        }
      />
      <ErrorNote error={poll.error} />
      <Panel>
        <DataTable
          testId="topics-table"
          rows={shown as never}
          rowKey={(r) => String(r.name)}
          onRowClick={(r) => navigate(`/topics/${encodeURIComponent(String(r.name))}`)}
          columns={[
            { field: 'name', label: 'topic', render: (r) => <b>{String(r.name)}</b> },
            { field: 'app' },
            { field: 'partitions', align: 'right' },
            { field: 'records', align: 'right', render: (r) => fmtNumber(r.records) },
            {
              field: 'ratePerSec',
              label: 'rate (10 s)',
              align: 'right',
              render: (r) => fmtRate(r.ratePerSec as number),
            },
            {
              field: 'endOffsets',
              label: 'end offsets',
              render: (r) => (r.endOffsets as number[]).join(' · '),
            },
          ]}
        />
      </Panel>
    </>
  );
}

function TopicDetail(props: { name: string; info: TopicInfo | undefined }) {
  const [partition, setPartition] = useState('');
  const [keyInput, setKeyInput] = useState('');
  const [key, setKey] = useState('');
  const [limit, setLimit] = useState(50);
  const [follow, setFollow] = useState(true);
  const [open, setOpen] = useState<TopicRecord | null>(null);
  const q = new URLSearchParams({ limit: String(limit) });
  if (partition !== '') q.set('partition', partition);
  if (key !== '') q.set('key', key);
  const path = `/topics/${encodeURIComponent(props.name)}/records?${q}`;
  const records = usePoll<{ records: TopicRecord[] }>(path, follow && key === '' ? 2000 : 0);
  const t = props.info;
  return (
    <>
      <PageHeader
        title={
          <>
            <Crumb to="/topics">Topics</Crumb> / {props.name}
          </>
        }
        sub={t ? `app ${t.app}` : undefined}
      />
      {t && (
        <div className="stats">
          <Stat label="Partitions" value={t.partitions} />
          <Stat label="Records" value={fmtNumber(t.records)} />
          <Stat label="Rate (10 s)" value={fmtRate(t.ratePerSec)} />
          <Stat label="End offsets" value={<span className="small">{t.endOffsets.join(' · ')}</span>} />
        </div>
      )}
      <Panel
        title={key ? `Records with key “${key}”` : 'Latest records'}
        actions={
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              setKey(keyInput.trim());
            }}
          >
            <select value={partition} onChange={(e) => setPartition(e.target.value)} aria-label="partition">
              <option value="">all partitions</option>
              {Array.from({ length: t?.partitions ?? 0 }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: partitions are numbered
                <option key={i} value={i}>
                  partition {i}
                </option>
              ))}
            </select>
            <select value={limit} onChange={(e) => setLimit(Number(e.target.value))} aria-label="limit">
              {[20, 50, 200, 1000].map((n) => (
                <option key={n} value={n}>
                  last {n}
                </option>
              ))}
            </select>
            <input
              value={keyInput}
              onChange={(e) => setKeyInput(e.target.value)}
              placeholder="find by key"
              aria-label="key"
            />
            <button type="submit">Find</button>
            {key && (
              <button
                type="button"
                className="ghost"
                onClick={() => {
                  setKey('');
                  setKeyInput('');
                }}
              >
                Clear
              </button>
            )}
            <label className="check">
              <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
            </label>
          </form>
        }
      >
        <ErrorNote error={records.error} />
        <DataTable
          testId="records-table"
          maxHeight={560}
          rows={(records.data?.records ?? []) as never}
          rowKey={(r) => `${r.partition}:${r.offset}`}
          onRowClick={(r) => setOpen(r as unknown as TopicRecord)}
          empty={records.data ? 'No records' : 'Loading…'}
          columns={[
            { field: 'partition', label: 'p', align: 'right' },
            { field: 'offset', align: 'right' },
            { field: 'timestamp', render: (r) => fmtTime(r.timestamp) },
            {
              field: 'key',
              render: (r) => <code>{r.key === null || r.key === undefined ? '—' : String(r.key)}</code>,
            },
            { field: 'value', render: (r) => <code className="clip">{JSON.stringify(r.value)}</code> },
          ]}
        />
      </Panel>
      {open && (
        <Panel
          title={`Record ${open.partition}:${open.offset}`}
          actions={
            <button type="button" className="ghost" onClick={() => setOpen(null)}>
              Close
            </button>
          }
        >
          <pre className="json">{JSON.stringify(open, null, 2)}</pre>
        </Panel>
      )}
      {!t && <Empty>Topic details load with the topic list…</Empty>}
    </>
  );
}
