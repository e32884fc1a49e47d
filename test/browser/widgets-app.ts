/**
 * The browser test's second app: one topic fed through `POST /api/v1/topics/widget-events/records`
 * and views shaped so that its page uses every widget kind (tiles, time series, bars, donut, table,
 * world map, confusion matrix). Windows emit early results every 200 ms, so a posted record shows
 * on the page within a second, without waiting for a window to close.
 */

import { type Aggregator, avg, combine, count, defineApp, tumbling } from '../../src/index.ts';

export interface WidgetEvent {
  country: string;
  lat: number;
  lon: number;
  latencyMs: number;
  actual: string;
  predicted: string;
}

const LABELS = ['normal', 'probe', 'attack'];

/** A confusion matrix over (actual, predicted) pairs: rows actual, columns predicted. */
function confusion(): Aggregator<
  WidgetEvent,
  number[][],
  { confusion: { labels: string[]; matrix: number[][] } }
> {
  return {
    init: () => LABELS.map(() => LABELS.map(() => 0)),
    add: (acc, e) => {
      const i = LABELS.indexOf(e.actual);
      const j = LABELS.indexOf(e.predicted);
      if (i >= 0 && j >= 0) acc[i][j]++;
      return acc;
    },
    merge: (a, b) => a.map((row, i) => row.map((v, j) => v + b[i][j])),
    result: (acc) => ({ confusion: { labels: LABELS, matrix: acc.map((r) => r.slice()) } }),
  };
}

export default defineApp('widgets', (a) => {
  const events = a.topic<WidgetEvent>('widget-events', { partitions: 1, outOfOrderness: '1s' });
  const early = { emit: { early: '200ms' } } as const;

  a.pipeline('by-country', () => {
    events
      .stream()
      .keyBy((e) => e.country)
      .window(tumbling({ size: '1h' }), early)
      .aggregate(
        combine({
          n: count<WidgetEvent>(),
          lat: avg((e: WidgetEvent) => e.lat),
          lon: avg((e: WidgetEvent) => e.lon),
        }),
      )
      .toView('by-country');
  });
  a.pipeline('per-second', () => {
    events
      .stream()
      .keyBy(() => 'all')
      .window(tumbling({ size: '1s' }), early)
      .aggregate(combine({ n: count<WidgetEvent>(), latency: avg((e: WidgetEvent) => e.latencyMs) }))
      .toView('per-second');
  });
  a.pipeline('quality', () => {
    events
      .stream()
      .keyBy(() => 'model')
      .window(tumbling({ size: '1h' }), early)
      .aggregate(confusion())
      .toView('quality');
  });

  a.page({
    id: 'widgets',
    title: 'All widgets',
    widgets: [
      {
        kind: 'tiles',
        view: 'per-second',
        title: 'Now',
        width: 4,
        orderBy: 'window_start',
        tiles: [
          { label: 'events / s', field: 'value_n' },
          { label: 'avg latency', field: 'value_latency', format: 'ms' },
        ],
      },
      {
        kind: 'timeseries',
        view: 'per-second',
        title: 'Events per second',
        width: 8,
        x: 'window_start',
        series: [
          { field: 'value_n', label: 'events' },
          { field: 'value_latency', label: 'latency ms' },
        ],
      },
      {
        kind: 'bars',
        view: 'by-country',
        title: 'Events by country',
        width: 4,
        category: 'key',
        value: 'value_n',
      },
      {
        kind: 'donut',
        view: 'by-country',
        title: 'Share by country',
        width: 4,
        category: 'key',
        value: 'value_n',
      },
      {
        kind: 'table',
        view: 'by-country',
        title: 'Countries',
        width: 4,
        orderBy: 'value_n',
        columns: [
          { field: 'key', label: 'country' },
          { field: 'value_n', label: 'events' },
          { field: 'value_lat', label: 'lat' },
        ],
      },
      {
        kind: 'worldmap',
        view: 'by-country',
        title: 'Events on the map',
        width: 8,
        country: 'key',
        value: 'value_n',
        lat: 'value_lat',
        lon: 'value_lon',
      },
      {
        kind: 'confusion',
        view: 'quality',
        title: 'Classifier confusion',
        width: 4,
        field: 'value_confusion',
      },
    ],
  });
});
