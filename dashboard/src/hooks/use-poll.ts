import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';

export interface Poll<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Wall-clock ms of the last successful answer. */
  at: number;
  refresh: () => void;
}

/**
 * GETs `path` now and every `intervalMs` (skipping turns while the tab is hidden, and never two
 * requests at once); `null` pauses. Keeps the last good data while a later request fails.
 */
export function usePoll<T>(path: string | null, intervalMs = 2000): Poll<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; at: number; path: string | null }>({
    at: 0,
    path,
  });
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how refresh() restarts the loop
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (busy.current || document.hidden) {
        timer = setTimeout(run, intervalMs);
        return;
      }
      busy.current = true;
      try {
        const data = await api<T>(path, { signal: controller.signal });
        setState({ data, at: Date.now(), path });
      } catch (err) {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, data: s.path === path ? s.data : undefined, error: err as Error, path }));
      } finally {
        busy.current = false;
      }
      if (!controller.signal.aborted && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      controller.abort();
      busy.current = false;
      clearTimeout(timer);
    };
  }, [path, intervalMs, tick]);

  const current = state.path === path;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    at: state.at,
    refresh,
  };
}
