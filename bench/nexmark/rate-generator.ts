/** Worker thread of the rate mode: appends Nexmark events at a fixed rate with event time = wall time. */

import { workerData } from 'node:worker_threads';
import { jsonCodec } from '../../src/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import { NexmarkGenerator } from './generator.ts';
import { eventTime } from './queries.ts';

const { path, events, rate } = workerData as { path: string; events: number; rate: number };
const log = await openEmbeddedLog({ path });
const start = Date.now();
const generator = new NexmarkGenerator({ seed: 1, baseTime: start, firstEventRate: rate });
const tickMs = 1;
let next = 0;
while (next < events) {
  // Everything due by now goes out in one append.
  const due = Math.min(events, Math.floor(((Date.now() - start) * rate) / 1000) + 1);
  if (due > next) {
    const batch = [];
    for (; next < due; next++) {
      const e = generator.event(next);
      batch.push({ value: jsonCodec.encode(e), timestamp: eventTime(e), partition: 0 });
    }
    await log.append('events', batch);
  }
  await new Promise((r) => setTimeout(r, tickMs));
}
await log.close();
