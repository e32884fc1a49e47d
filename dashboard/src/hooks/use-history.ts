import { useEffect, useRef, useState } from 'react';

/**
 * Keeps the last `span` ms of a polled number, so polled totals (events/s, lag) can be drawn as a
 * time series. Samples are [seconds, value] pairs, the shape uPlot wants.
 */
export function useHistory(
  value: number | null | undefined,
  at: number,
  spanMs = 5 * 60_000,
): [number[], number[]] {
  const [series, setSeries] = useState<[number[], number[]]>([[], []]);
  const last = useRef(0);
  useEffect(() => {
    if (at === 0 || at === last.current || value === undefined || value === null) return;
    last.current = at;
    setSeries(([xs, ys]) => {
      const cut = (at - spanMs) / 1000;
      let i = 0;
      while (i < xs.length && xs[i] < cut) i++;
      return [
        [...xs.slice(i), at / 1000],
        [...ys.slice(i), value],
      ];
    });
  }, [value, at, spanMs]);
  return series;
}
