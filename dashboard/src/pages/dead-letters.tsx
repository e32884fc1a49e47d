import { useState } from 'react';
import type { AppInfo, DeadLetter } from '../api/types.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { DataTable } from '../ui/data-table.tsx';
import { fmtNumber, fmtTime } from '../ui/format.ts';
import { Badge, ErrorNote, PageHeader, Panel, Stat } from '../ui/panel.tsx';

export function DeadLettersPage() {
  const apps = usePoll<{ apps: AppInfo[] }>('/apps', 0);
  const [app, setApp] = useState('');
  const [open, setOpen] = useState<DeadLetter | null>(null);
  const q = new URLSearchParams({ limit: '200' });
  if (app) q.set('app', app);
  const poll = usePoll<{ records: DeadLetter[] }>(`/dead-letters?${q}`, 2000);
  const records = poll.data?.records ?? [];
  const byCode = new Map<string, number>();
  for (const r of records) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  return (
    <>
      <PageHeader
        title="Dead letters"
        sub="Records that failed decoding, their schema or user code, kept with the reason"
        actions={
          <select value={app} onChange={(e) => setApp(e.target.value)} aria-label="app">
            <option value="">all apps</option>
            {apps.data?.apps.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        }
      />
      <ErrorNote error={poll.error} />
      <div className="stats">
        <Stat label="Shown" value={fmtNumber(records.length)} tone={records.length > 0 ? 'bad' : 'good'} />
        {[...byCode].map(([code, n]) => (
          <Stat key={code} label={code} value={fmtNumber(n)} />
        ))}
      </div>
      <Panel>
        <DataTable
          testId="dead-letters-table"
          maxHeight={600}
          rows={records as never}
          rowKey={(r) => `${r.app}:${r.partition}:${r.offset}`}
          onRowClick={(r) => setOpen(r as unknown as DeadLetter)}
          empty={poll.data ? 'No dead letters — every record made it' : 'Loading…'}
          columns={[
            { field: 'timestamp', label: 'time', render: (r) => fmtTime(r.timestamp) },
            { field: 'app' },
            { field: 'code', render: (r) => <Badge tone="bad">{String(r.code)}</Badge> },
            { field: 'message', render: (r) => <span className="clip">{String(r.message)}</span> },
            {
              field: 'origin',
              render: (r) => {
                const o = r.origin as DeadLetter['origin'] | undefined;
                return o ? `${o.topic} ${o.partition}:${o.offset}` : '—';
              },
            },
            { field: 'raw', render: (r) => <code className="clip">{String(r.raw)}</code> },
          ]}
        />
      </Panel>
      {open && (
        <Panel
          title={`${open.code} at ${open.origin?.topic ?? '?'} ${open.origin?.partition}:${open.origin?.offset}`}
          actions={
            <button type="button" className="ghost" onClick={() => setOpen(null)}>
              Close
            </button>
          }
        >
          <p>{open.message}</p>
          <pre className="json">{open.raw}</pre>
        </Panel>
      )}
    </>
  );
}
