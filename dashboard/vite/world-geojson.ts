/**
 * `virtual:world-geojson`: a compact world map for the world-map widget, made at build time from
 * Natural Earth's 1:110m countries (the `world-atlas` package) so nothing is fetched at run time.
 * Features carry `iso2` (ISO 3166-1 alpha-2, what widgets' `country` columns hold) and `name`;
 * world-atlas ids are ISO numeric codes, mapped with `i18n-iso-countries`. Coordinates are rounded
 * to 0.1° (the 110m data has no finer detail worth its bytes), rings crossing ±180° are unwrapped,
 * and Antarctica is dropped (it takes
 * a fifth of the map's height and holds no events).
 */

import { createRequire } from 'node:module';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import type { Plugin } from 'vite';

const require = createRequire(import.meta.url);
const ID = 'virtual:world-geojson';
const RESOLVED = `\0${ID}`;

/**
 * Rings that cross the antimeridian (Russia's Chukotka, Fiji) would be drawn as a line across the
 * whole map: their points on the minority side of ±180° are clamped to the majority side's edge.
 */
function unwrap(coords: unknown, depth: number): unknown {
  if (depth > 0) return (coords as unknown[]).map((c) => unwrap(c, depth - 1));
  const ring = coords as [number, number][];
  const lons = ring.map((p) => p[0]);
  if (Math.max(...lons) - Math.min(...lons) <= 180) return ring;
  const east = lons.filter((x) => x > 0).length >= lons.length / 2;
  return ring.map(([x, y]) => [east ? (x < 0 ? 180 : x) : x > 0 ? -180 : x, y]);
}

function round(coords: unknown): unknown {
  if (typeof coords === 'number') return Math.round(coords * 10) / 10;
  return (coords as unknown[]).map(round);
}

export function buildWorldGeoJson(): FeatureCollection {
  const topology = require('world-atlas/countries-110m.json') as Topology;
  const countries = require('i18n-iso-countries') as { numericToAlpha2(n: string): string | undefined };
  const all = feature(topology, topology.objects.countries) as FeatureCollection<Geometry, { name: string }>;
  const features: Feature[] = [];
  for (const f of all.features) {
    const iso2 = f.id === undefined ? undefined : countries.numericToAlpha2(String(f.id));
    if (iso2 === 'AQ') continue;
    const geometry = f.geometry as Geometry & { coordinates: unknown };
    features.push({
      type: 'Feature',
      properties: { name: f.properties.name, iso2: iso2 ?? `~${f.properties.name}` },
      geometry: {
        ...geometry,
        coordinates: round(unwrap(geometry.coordinates, geometry.type === 'MultiPolygon' ? 2 : 1)),
      } as Geometry,
    });
  }
  return { type: 'FeatureCollection', features };
}

export function worldGeoJson(): Plugin {
  return {
    name: 'streamsight-world-geojson',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load: (id) => (id === RESOLVED ? `export default ${JSON.stringify(buildWorldGeoJson())};` : undefined),
  };
}
