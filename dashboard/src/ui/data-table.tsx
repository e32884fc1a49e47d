import { type ReactNode, useState } from 'react';
import type { Row } from '../api/types.ts';
import { fmtCell, num } from './format.ts';

export interface TableColumn {
  field: string;
  label?: string;
  render?: (row: Row) => ReactNode;
  align?: 'left' | 'right';
}

/**
 * A dense table with sticky headers and click-to-sort columns. Numbers align right; long text
 * is cut with an ellipsis and shown whole in the cell's tooltip.
 */
export function DataTable(props: {
  columns: TableColumn[];
  rows: Row[];
  rowKey?: (row: Row, i: number) => string;
  sortable?: boolean;
  maxHeight?: number;
  onRowClick?: (row: Row) => void;
  empty?: ReactNode;
  testId?: string;
}) {
  const [sort, setSort] = useState<{ field: string; desc: boolean } | null>(null);
  let rows = props.rows;
  if (sort) {
    const { field, desc } = sort;
    rows = [...rows].sort((a, b) => {
      const x = a[field];
      const y = b[field];
      const nx = num(x);
      const ny = num(y);
      const c = nx !== null && ny !== null ? nx - ny : String(x ?? '').localeCompare(String(y ?? ''));
      return desc ? -c : c;
    });
  }
  const align = (c: TableColumn) =>
    c.align ?? (props.rows.some((r) => typeof r[c.field] === 'number') ? 'right' : 'left');
  return (
    <div className="table-wrap" style={{ maxHeight: props.maxHeight }} data-testid={props.testId}>
      <table className="data-table">
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th
                key={c.field}
                className={align(c)}
                onClick={
                  props.sortable === false
                    ? undefined
                    : () =>
                        setSort((s) =>
                          s?.field === c.field
                            ? { field: c.field, desc: !s.desc }
                            : { field: c.field, desc: true },
                        )
                }
              >
                {c.label ?? c.field}
                {sort?.field === c.field ? (sort.desc ? ' ▾' : ' ▴') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr
              key={props.rowKey ? props.rowKey(row, i) : String(row.view_key ?? i)}
              onClick={props.onRowClick ? () => props.onRowClick?.(row) : undefined}
              className={props.onRowClick ? 'clickable' : undefined}
            >
              {props.columns.map((c) => {
                const text = c.render ? undefined : fmtCell(c.field, row[c.field]);
                return (
                  <td key={c.field} className={align(c)} title={text}>
                    {c.render ? c.render(row) : text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <div className="empty">{props.empty ?? 'No rows'}</div>}
    </div>
  );
}
