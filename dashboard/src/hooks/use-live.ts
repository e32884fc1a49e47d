import { useCallback, useSyncExternalStore } from 'react';
import { type ChannelState, type LiveStatus, live } from '../api/live.ts';

const EMPTY: ChannelState = { columns: [], rows: new Map(), version: 0, ready: false };

/** The rows of a view's live channel (`<app>/<view>`), re-rendering on every snapshot and delta. */
export function useChannel(app: string, view: string): ChannelState {
  const name = `${app}/${view}`;
  const subscribe = useCallback((onChange: () => void) => live.subscribe(name, onChange), [name]);
  return useSyncExternalStore(subscribe, () => live.channel(name) ?? EMPTY);
}

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (l) => live.onStatus(l),
    () => live.status(),
  );
}
