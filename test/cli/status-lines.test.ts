/**
 * The status lines of `streamsight run` come from each demo app's `report(read)`, which queries its
 * views in the view store by column name. Each app runs bounded over a couple of seconds of its own
 * simulator, its views materialized into DuckDB, and its lines must show real values; before any row
 * they must not fail.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App } from '../../src/dataflow/app.ts';
import { createAppTopics, runApp, type Simulator } from '../../src/index.ts';
import type { ViewStore } from '../../src/views/index.ts';
import { appViewReader, materializeViews, type ViewReader } from '../../src/views/index.ts';
import type { TempLog } from '../helpers/temp-log.ts';
import { withLogAndViewStore } from '../helpers/temp-view-store.ts';

interface AppModule {
  default: App;
  simulators: Simulator[];
  report: (read: ViewReader) => Promise<string[]>;
}

let t: TempLog;
let store: ViewStore;
withLogAndViewStore((fresh) => ({ t, store } = fresh));

async function linesOf(mod: AppModule, rate: number): Promise<{ before: string[]; after: string[] }> {
  const app = mod.default;
  const read = appViewReader(store, app.name);
  const materializer = await materializeViews(app, store, { log: t.log });
  await createAppTopics(app, t.log);
  const before = await mod.report(read);
  const stop = new AbortController();
  const simulated = Promise.all(mod.simulators.map((s) => s.run(t.log, { signal: stop.signal, rate })));
  await new Promise((r) => setTimeout(r, 2000));
  stop.abort();
  await simulated;
  const running = await runApp(app, { log: t.log, bounded: true });
  await running.done;
  await materializer.close();
  return { before, after: await mod.report(read) };
}

describe('status lines', () => {
  it('nexmark: hot items, the highest bid and closed sessions', async () => {
    const { before, after } = await linesOf(await import('../../apps/nexmark/app.ts'), 3000);
    assert.deepEqual(before, ['bidder sessions closed: 0']);
    assert.match(after[0], /^hot items \d\d:\d\d:\d\d–\d\d:\d\d:\d\d: #\d+ \(\d+ bids\)/);
    assert.match(after[1], /^highest bid \d\d:\d\d:\d\d–\d\d:\d\d:\d\d: \$\d+\.\d\d$/);
    assert.match(after[2], /^bidder sessions closed: [1-9]\d*$/);
  });

  it('intrusion detection: accuracy, F1 per class and alerts', async () => {
    const { before, after } = await linesOf(await import('../../apps/intrusion-detection/app.ts'), 2000);
    assert.deepEqual(before, ['intrusion detection: waiting for connections']);
    assert.match(after[0], /^intrusion detection: [1-9]\d* connections, accuracy \d+\.\d\d %/);
    assert.match(
      after[1],
      /^F1 dos (\d+\.\d\d %|n\/a), probe .*; model v\d+, \d+ drift alarms, .* \d+ alerts$/,
    );
  });

  it('meetup-rsvp: totals, trending topics and alerts', async () => {
    const { before, after } = await linesOf(await import('../../apps/meetup-rsvp/app.ts'), 2000);
    assert.deepEqual(before, []);
    assert.match(after[0], /^totals: [1-9]\d* yes, \d+ no, \d+ guests, [1-9]\d* attendees$/);
    assert.match(after[1], /^trending: [\w-]+ \(\d+\)(, [\w-]+ \(\d+\)){0,4}$/);
  });
});
