/**
 * The app the server load test runs: one topic of events keyed by `k`, and a view of the latest event
 * per key (its live channel is what the WebSocket clients follow).
 */

import { defineApp } from '../../src/index.ts';

export interface LoadEvent {
  k: string;
  seq: number;
  sentAt: number;
}

const app = defineApp('load', (a) => {
  const events = a.topic<LoadEvent>('load-events', { partitions: 4, key: (e) => e.k });
  a.pipeline('latest', () => {
    events.keyedStream().toView('latest');
  });
});
export default app;
