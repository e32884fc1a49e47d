import { useRef } from 'react';

/**
 * Per-second rates from polled counters: each new sample (`at` changes) is compared with the one
 * before. A counter that went down (a restart) reads as 0 for that turn, not as a negative rate.
 */
export function useRates(counters: Map<string, number>, at: number): Map<string, number> {
  const prev = useRef<{ at: number; counters: Map<string, number> } | null>(null);
  const rates = useRef<Map<string, number>>(new Map());
  const lastAt = useRef(0);
  if (at !== lastAt.current && at !== 0) {
    lastAt.current = at;
    const p = prev.current;
    if (p && at > p.at) {
      const dt = (at - p.at) / 1000;
      const next = new Map<string, number>();
      for (const [k, v] of counters) {
        const before = p.counters.get(k);
        next.set(k, before === undefined || v < before ? 0 : (v - before) / dt);
      }
      rates.current = next;
    }
    prev.current = { at, counters };
  }
  return rates.current;
}
