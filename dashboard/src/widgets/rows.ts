/**
 * Row selection shared by the widgets: a widget's `where`, `latestWindow` and ordering apply to
 * the rows of its view's channel, in the browser, so several widgets can share one subscription.
 */

import type { Row } from '../api/types.ts';
import { num } from '../ui/format.ts';

export function applyWhere(rows: Row[], where: Record<string, string | number | boolean> | undefined): Row[] {
  if (!where) return rows;
  const entries = Object.entries(where);
  // biome-ignore lint/suspicious/noDoubleEquals: view columns may arrive as text or number; '5' matches 5
  return rows.filter((r) => entries.every(([k, v]) => r[k] == v));
}

/** Only the rows of the newest window (highest `window_start`); rows without one pass. */
export function latestWindow(rows: Row[]): Row[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const s = num(r.window_start);
    if (s !== null && s > max) max = s;
  }
  if (max === Number.NEGATIVE_INFINITY) return rows;
  return rows.filter((r) => num(r.window_start) === max);
}

export function sortBy(rows: Row[], field: string, desc = true): Row[] {
  return [...rows].sort((a, b) => {
    const x = num(a[field]);
    const y = num(b[field]);
    const c = x !== null && y !== null ? x - y : String(a[field] ?? '').localeCompare(String(b[field] ?? ''));
    return desc ? -c : c;
  });
}

/** The newest row by `field` (default `updated_at`). */
export function latest(rows: Row[], field = 'updated_at'): Row | undefined {
  let best: Row | undefined;
  let bestV = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const v = num(r[field]) ?? Number.NEGATIVE_INFINITY;
    if (best === undefined || v >= bestV) {
      best = r;
      bestV = v;
    }
  }
  return best;
}

/**
 * `value` per `category`, one entry per category (its newest row by `updated_at`, so a category
 * seen in several windows counts once), the top `limit` by value.
 */
export function categories(
  rows: Row[],
  category: string,
  value: string,
  limit = 10,
): { name: string; value: number }[] {
  const byName = new Map<string, { value: number; at: number }>();
  for (const r of rows) {
    const name = r[category];
    const v = num(r[value]);
    if (name === undefined || name === null || v === null) continue;
    const at = num(r.updated_at) ?? 0;
    const key = String(name);
    const prev = byName.get(key);
    if (!prev || at >= prev.at) byName.set(key, { value: v, at });
  }
  return [...byName]
    .map(([name, { value: v }]) => ({ name, value: v }))
    .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** A JSON column may arrive parsed or as text. */
export function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** Time columns are epoch ms; some stores hand BIGINTs over as strings. */
export function toMs(v: unknown): number | null {
  return num(v);
}
