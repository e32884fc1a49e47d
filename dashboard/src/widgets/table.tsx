import { useMemo } from 'react';
import type { Row, TableWidget } from '../api/types.ts';
import { DataTable } from '../ui/data-table.tsx';
import { fmtCell, fmtValue } from '../ui/format.ts';
import { latestWindow, sortBy } from './rows.ts';

export function Table(props: { widget: TableWidget; rows: Row[] }) {
  const w = props.widget;
  const rows = useMemo(() => {
    const selected = w.latestWindow ? latestWindow(props.rows) : props.rows;
    return sortBy(selected, w.orderBy ?? 'updated_at', w.desc ?? true).slice(0, w.limit ?? 20);
  }, [w, props.rows]);
  return (
    <DataTable
      testId="widget-rows"
      sortable={false}
      maxHeight={360}
      rows={rows}
      columns={w.columns.map((c) => ({
        field: c.field,
        label: c.label,
        render: (r: Row) => (c.format ? fmtValue(r[c.field], c.format) : fmtCell(c.field, r[c.field])),
      }))}
      empty="Waiting for data…"
    />
  );
}
