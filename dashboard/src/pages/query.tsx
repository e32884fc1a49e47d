import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { AppInfo, SqlResult, ViewInfo } from '../api/types.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { DataTable } from '../ui/data-table.tsx';
import { fmtNumber } from '../ui/format.ts';
import { ErrorNote, PageHeader, Panel } from '../ui/panel.tsx';

const STORAGE = 'streamsight.sql';

export function QueryPage() {
  const apps = usePoll<{ apps: AppInfo[] }>('/apps', 0);
  const views = usePoll<{ views: ViewInfo[] }>('/views', 0);
  const [sql, setSql] = useState(() => localStorage.getItem(STORAGE) ?? '');
  const [app, setApp] = useState('');
  const [result, setResult] = useState<{ data?: SqlResult; error?: Error; ms?: number } | null>(null);
  const [running, setRunning] = useState(false);

  // A first-time visitor gets a query over a real view instead of an empty editor.
  useEffect(() => {
    const v = views.data?.views[0];
    if (sql === '' && v) setSql(`SELECT *\nFROM ${v.table}\nORDER BY updated_at DESC\nLIMIT 20`);
  }, [views.data, sql]);

  const run = async () => {
    if (running || sql.trim() === '') return;
    setRunning(true);
    localStorage.setItem(STORAGE, sql);
    const t0 = performance.now();
    try {
      const data = await api<SqlResult>('/query', { method: 'POST', body: app ? { sql, app } : { sql } });
      setResult({ data, ms: performance.now() - t0 });
    } catch (err) {
      setResult({ error: err as Error });
    } finally {
      setRunning(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Query"
        sub="One read-only SQL statement over views and topic archives (5 s, 10,000 rows at most)"
      />
      <div className="query-layout">
        <Panel
          title="SQL"
          actions={
            <>
              <select value={app} onChange={(e) => setApp(e.target.value)} aria-label="app schema">
                <option value="">no default schema</option>
                {apps.data?.apps.map((a) => (
                  <option key={a.name} value={a.name}>
                    schema of {a.name}
                  </option>
                ))}
              </select>
              <button type="button" onClick={run} disabled={running} data-testid="run-query">
                {running ? 'Running…' : 'Run ⌘↵'}
              </button>
            </>
          }
        >
          <textarea
            className="sql"
            spellCheck={false}
            value={sql}
            onChange={(e) => setSql(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
                e.preventDefault();
                void run();
              }
            }}
            aria-label="SQL"
            data-testid="sql-editor"
          />
        </Panel>
        <Panel title="Tables">
          <ul className="schema-list">
            {views.data?.views.map((v) => (
              <li key={v.table}>
                <button
                  type="button"
                  className="link"
                  onClick={() => setSql(`SELECT *\nFROM ${v.table}\nLIMIT 100`)}
                >
                  {v.table}
                </button>
                <div className="muted small">{v.columns.map((c) => `${c.name} ${c.type}`).join(', ')}</div>
              </li>
            ))}
          </ul>
        </Panel>
      </div>
      {result && (
        <Panel
          title="Result"
          actions={
            result.data && (
              <span className="muted small">
                {fmtNumber(result.data.rows.length)} rows{result.data.truncated ? ' (truncated)' : ''} ·{' '}
                {result.ms?.toFixed(0)} ms
              </span>
            )
          }
        >
          <ErrorNote error={result.error} />
          {result.data && (
            <DataTable
              testId="query-result"
              maxHeight={520}
              rows={result.data.rows}
              rowKey={(_r, i) => String(i)}
              columns={result.data.columns.map((c) => ({ field: c.name }))}
            />
          )}
        </Panel>
      )}
    </>
  );
}
