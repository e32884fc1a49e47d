import type { ConfusionWidget, Row } from '../api/types.ts';
import { fmtNumber } from '../ui/format.ts';
import { Empty } from '../ui/panel.tsx';
import { latest, parseJson } from './rows.ts';

interface Matrix {
  labels: string[];
  matrix: number[][];
}

function isMatrix(v: unknown): v is Matrix {
  const m = v as Matrix;
  return !!m && Array.isArray(m.labels) && Array.isArray(m.matrix) && m.matrix.every((r) => Array.isArray(r));
}

/** Rows are the actual class, columns the predicted one; cells shade by their share of the row. */
export function Confusion(props: { widget: ConfusionWidget; rows: Row[] }) {
  const row = latest(props.rows);
  const f = props.widget.field;
  // The object may be one JSON column, or flattened into `<field>_labels` and `<field>_matrix`.
  const m =
    row && row[f] === undefined && row[`${f}_matrix`] !== undefined
      ? { labels: parseJson(row[`${f}_labels`]), matrix: parseJson(row[`${f}_matrix`]) }
      : parseJson(row?.[f]);
  if (!isMatrix(m)) return <Empty>Waiting for data…</Empty>;
  let correct = 0;
  let total = 0;
  m.matrix.forEach((r, i) => {
    r.forEach((v, j) => {
      total += v;
      if (i === j) correct += v;
    });
  });
  return (
    <div className="confusion" data-testid="confusion">
      <table>
        <thead>
          <tr>
            <th className="corner">actual ╲ predicted</th>
            {m.labels.map((l) => (
              <th key={l}>{l}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {m.matrix.map((r, i) => {
            const sum = r.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr key={m.labels[i] ?? i}>
                <th>{m.labels[i]}</th>
                {r.map((v, j) => {
                  const share = v / sum;
                  const hue = i === j ? '115, 191, 105' : '242, 73, 92';
                  return (
                    <td
                      key={m.labels[j] ?? j}
                      style={{ background: `rgba(${hue}, ${0.08 + share * 0.6})` }}
                      title={`${(share * 100).toFixed(1)} % of ${m.labels[i]}`}
                    >
                      {fmtNumber(v)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="confusion-foot">
        accuracy <b>{total ? ((correct / total) * 100).toFixed(1) : '—'} %</b> over {fmtNumber(total)}
      </div>
    </div>
  );
}
