import world from 'virtual:world-geojson';
import { useMemo } from 'react';
import type { Row, WorldMapWidget } from '../api/types.ts';
import { EChart, echarts } from '../charts/echart.tsx';
import { fmtNumber, num } from '../ui/format.ts';
import { latestWindow } from './rows.ts';

// Features are keyed by ISO 3166-1 alpha-2 (`iso2`), the code widgets' `country` columns hold.
echarts.registerMap('world', world as any);
const NAMES = new Map<string, string>(world.features.map((f) => [f.properties.iso2, f.properties.name]));

/** This file is loaded on demand (React.lazy): the map data is most of the dashboard's weight. */
export default function WorldMap(props: { widget: WorldMapWidget; rows: Row[] }) {
  const w = props.widget;
  const option = useMemo(() => {
    const rows = w.latestWindow ? latestWindow(props.rows) : props.rows;
    const byCountry = new Map<string, number>();
    const points: [number, number, number][] = [];
    for (const r of rows) {
      const v = num(r[w.value]);
      if (v === null) continue;
      if (w.country) {
        const c = String(r[w.country] ?? '').toUpperCase();
        if (c) byCountry.set(c, (byCountry.get(c) ?? 0) + v);
      }
      if (w.lat && w.lon) {
        const lat = num(r[w.lat]);
        const lon = num(r[w.lon]);
        if (lat !== null && lon !== null) points.push([lon, lat, v]);
      }
    }
    const values = [...byCountry.values(), ...points.map((p) => p[2])];
    const max = Math.max(1, ...values);
    const maxPoint = Math.max(1, ...points.map((p) => p[2]));
    return {
      // A map series paints countries without a value in its palette colour: make that the land's.
      color: ['#222833'],
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesType: string; name: string; value: unknown }) =>
          p.seriesType === 'scatter'
            ? `${fmtNumber((p.value as number[])[2])}`
            : `${NAMES.get(p.name) ?? p.name}: ${typeof p.value === 'number' && !Number.isNaN(p.value) ? fmtNumber(p.value) : '—'}`,
      },
      visualMap: {
        min: 1e-9,
        max,
        seriesIndex: 0,
        left: 8,
        bottom: 8,
        itemHeight: 80,
        itemWidth: 10,
        calculable: false,
        textStyle: { color: '#8e96a3', fontSize: 10 },
        inRange: { color: ['#1f3a5f', '#3274d9', '#8ab8ff'] },
        // Countries without a value keep the geo's own colour, not the scale's.
        outOfRange: { color: '#222833' },
        formatter: (v: number) => fmtNumber(v),
      },
      geo: {
        map: 'world',
        nameProperty: 'iso2',
        roam: false,
        top: 8,
        bottom: 8,
        itemStyle: { areaColor: '#222833', borderColor: '#39404d', borderWidth: 0.5 },
        emphasis: { itemStyle: { areaColor: '#3d4554' }, label: { show: false } },
        silent: false,
      },
      series: [
        {
          type: 'map',
          geoIndex: 0,
          data: [...byCountry].map(([name, value]) => ({ name, value })),
        },
        {
          type: 'scatter',
          coordinateSystem: 'geo',
          data: points,
          symbolSize: (v: number[]) => 4 + 10 * Math.sqrt(v[2] / maxPoint),
          itemStyle: { color: '#ff9830', opacity: 0.8 },
        },
      ],
    };
  }, [w, props.rows]);
  return <EChart option={option} height={300} testId="worldmap" />;
}
