/**
 * Dashboard pages an app registers with `app.page(...)`. A page is data — a list of widgets, each
 * bound to one of the app's views by name — so apps stay on the public API and the dashboard
 * (`dashboard/`) renders every app with the same components. The server lists pages at
 * `GET /api/v1/apps`; widgets read `GET /api/v1/views/:app/:view` and follow the view's live channel.
 *
 * Field names are view columns (see src/views/view-store.ts: a WindowResult gives `key`,
 * `window_start`, `window_end`, `value` or `value_<field>`).
 */

import { StreamsightError } from '../errors/index.ts';

interface WidgetBase {
  /** The app's view the widget shows. */
  view: string;
  title: string;
  /** Grid width in twelfths (default 6; phones stack every widget at full width). */
  width?: number;
  /** Only rows whose columns equal these values. */
  where?: Record<string, string | number | boolean>;
}

/** How a value is shown: `time` renders epoch ms as a local wall-clock time. */
export type ValueFormat = 'number' | 'percent' | 'ms' | 'bytes' | 'time' | 'text';

/** Big numbers from the latest row (by `orderBy`, default `updated_at`). */
export interface TilesWidget extends WidgetBase {
  kind: 'tiles';
  tiles: { label: string; field: string; format?: ValueFormat }[];
  orderBy?: string;
}

/** Lines over time (uPlot): x is a time column in ms; one line per field, or per `groupBy` value. */
export interface TimeSeriesWidget extends WidgetBase {
  kind: 'timeseries';
  x: string;
  series: { field: string; label: string }[];
  /** One line per distinct value of this column (with exactly one entry in `series`). */
  groupBy?: string;
  /** Keep the last this-many ms of x (default 10 minutes). */
  spanMs?: number;
}

/** Bars or a donut of `value` per `category` (the top `limit`, default 10, by value). */
export interface CategoryWidget extends WidgetBase {
  kind: 'bars' | 'donut';
  category: string;
  value: string;
  limit?: number;
  /** Only rows of the latest window (the highest `window_start`). */
  latestWindow?: boolean;
}

/** A table of rows, e.g. a top-N or recent alerts. */
export interface TableWidget extends WidgetBase {
  kind: 'table';
  columns: { field: string; label: string; format?: ValueFormat }[];
  orderBy?: string;
  desc?: boolean;
  limit?: number;
  latestWindow?: boolean;
}

/** A world map (ECharts): `value` per ISO 3166-1 alpha-2 `country`, and/or points at lat/lon. */
export interface WorldMapWidget extends WidgetBase {
  kind: 'worldmap';
  value: string;
  country?: string;
  lat?: string;
  lon?: string;
  latestWindow?: boolean;
}

/** A confusion matrix from one row: `field` holds `{ labels: string[], matrix: number[][] }` (rows: actual). */
export interface ConfusionWidget extends WidgetBase {
  kind: 'confusion';
  field: string;
}

export type Widget =
  | TilesWidget
  | TimeSeriesWidget
  | CategoryWidget
  | TableWidget
  | WorldMapWidget
  | ConfusionWidget;

export interface PageDefinition {
  /** URL segment: the page shows at `/apps/<app>/<id>`. */
  id: string;
  title: string;
  widgets: Widget[];
}

const KINDS = new Set(['tiles', 'timeseries', 'bars', 'donut', 'table', 'worldmap', 'confusion']);
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Validates a page once, when the app is defined. */
export function checkPage(app: string, page: PageDefinition): PageDefinition {
  const fail = (why: string): never => {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `app ${app}: page ${JSON.stringify(page?.id)}: ${why}`,
    );
  };
  if (!ID.test(page?.id ?? '')) fail(`id must match ${ID}`);
  if (typeof page.title !== 'string' || page.title === '') fail('title must be a non-empty string');
  if (!Array.isArray(page.widgets) || page.widgets.length === 0) fail('widgets must be a non-empty array');
  for (const [i, w] of page.widgets.entries()) {
    if (!KINDS.has(w?.kind)) fail(`widgets[${i}].kind must be one of ${[...KINDS].join(', ')}`);
    if (typeof w.view !== 'string' || w.view === '') fail(`widgets[${i}].view must name a view`);
    if (w.width !== undefined && !(Number.isInteger(w.width) && w.width >= 1 && w.width <= 12)) {
      fail(`widgets[${i}].width must be an integer in 1..12`);
    }
  }
  return page;
}
