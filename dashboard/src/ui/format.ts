import type { ValueFormat } from '../api/types.ts';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** A number for a tile or cell: compact past a million, two decimals under 100. */
export function fmtNumber(v: unknown): string {
  const n = num(v);
  if (n === null) return v === null || v === undefined ? '—' : String(v);
  const a = Math.abs(n);
  if (a >= 1e6) return compact.format(n);
  if (a >= 100 || Number.isInteger(n)) return int.format(n);
  return dec.format(n);
}

export function fmtRate(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${fmtNumber(v)}/s`;
}

export function fmtMs(v: unknown): string {
  const n = num(v);
  if (n === null) return '—';
  if (Math.abs(n) >= 60_000) return `${dec.format(n / 60_000)} min`;
  if (Math.abs(n) >= 1000) return `${dec.format(n / 1000)} s`;
  return `${dec.format(n)} ms`;
}

export function fmtBytes(v: unknown): string {
  const n = num(v);
  if (n === null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = n;
  let i = 0;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${dec.format(x)} ${units[i]}`;
}

export function fmtDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return '—';
  const s = Math.floor(sec);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Local wall time, with milliseconds (stream events are often close together). */
export function fmtTime(ms: unknown): string {
  const n = num(ms);
  if (n === null) return '—';
  const d = new Date(n);
  const today = new Date();
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  const milli = String(d.getMilliseconds()).padStart(3, '0');
  return d.toDateString() === today.toDateString()
    ? `${time}.${milli}`
    : `${d.toISOString().slice(0, 10)} ${time}`;
}

export function fmtValue(v: unknown, format: ValueFormat = 'number'): string {
  if (v === null || v === undefined) return '—';
  switch (format) {
    case 'percent': {
      const n = num(v);
      return n === null ? String(v) : `${dec.format(n * 100)} %`;
    }
    case 'ms':
      return fmtMs(v);
    case 'bytes':
      return fmtBytes(v);
    case 'time':
      return fmtTime(v);
    case 'text':
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    default:
      return typeof v === 'object' ? JSON.stringify(v) : fmtNumber(v);
  }
}

/** A cell of a generic table: times for time-like columns, JSON for objects. */
export function fmtCell(column: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v) && v.length > 0 && v.every(isKeyValue)) {
    // Top-k items: `key (value)` reads better than their JSON.
    return v
      .map((i) => `${i.key} (${typeof i.value === 'object' ? JSON.stringify(i.value) : fmtNumber(i.value)})`)
      .join(', ');
  }
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isTimeColumn(column) && num(v) !== null) return fmtTime(v);
  if (typeof v === 'number') return fmtNumber(v);
  return String(v);
}

export function isTimeColumn(name: string): boolean {
  return (
    /(^|_)(at|time|timestamp|start|end|ts)$/.test(name) || name === 'window_start' || name === 'window_end'
  );
}

function isKeyValue(v: unknown): v is { key: unknown; value: unknown } {
  return typeof v === 'object' && v !== null && 'key' in v && 'value' in v;
}
