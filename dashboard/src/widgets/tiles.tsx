import type { Row, TilesWidget } from '../api/types.ts';
import { fmtValue } from '../ui/format.ts';
import { latest } from './rows.ts';

export function Tiles(props: { widget: TilesWidget; rows: Row[] }) {
  const row = latest(props.rows, props.widget.orderBy);
  return (
    <div className="tiles">
      {props.widget.tiles.map((t) => (
        <div className="tile" key={t.field + t.label}>
          <div className="tile-label">{t.label}</div>
          <div className="tile-value" data-field={t.field}>
            {fmtValue(row?.[t.field], t.format)}
          </div>
        </div>
      ))}
    </div>
  );
}
