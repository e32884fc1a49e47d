/**
 * The WebSocket source against a local server speaking Meetup's stream protocol: one JSON message per
 * frame, `since_mtime` to resume (the server resends from the first message that reached that time, in
 * its original order). The server drops the connection twice mid-stream; the topic must end up with
 * every message exactly once (identical re-emissions that are part of the stream included), and the
 * meetup-rsvp app's totals must equal the reference's.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { meetupApp } from '../../apps/meetup-rsvp/app.ts';
import { RsvpGenerator } from '../../apps/meetup-rsvp/generator.ts';
import { streamRsvps } from '../../apps/meetup-rsvp/websocket.ts';
import { createAppTopics, isStreamsightError, runApp } from '../../src/index.ts';
import { WebSocketSource } from '../../src/io/index.ts';
import { reference } from '../apps/meetup-rsvp-reference.ts';
import { sharedData } from '../helpers/shared-data.ts';
import { readAll, tempLog } from '../helpers/temp-log.ts';

function captureOrSynthetic(): string[] {
  const capture = sharedData('meetup-rsvps', 'rsvps_2017-03.jsonl');
  if (existsSync(capture))
    return readFileSync(capture, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  const gen = new RsvpGenerator({ seed: 3, rate: 10, startTime: Date.UTC(2024, 0, 1) });
  return Array.from({ length: 1500 }, () => gen.next().json);
}

/** A Meetup-like stream server that drops each connection after `dropAfter[i]` messages. */
async function streamServer(lines: string[], dropAfter: number[]) {
  const prefixMax: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const l of lines) {
    try {
      max = Math.max(max, JSON.parse(l).mtime ?? max);
    } catch {}
    prefixMax.push(max);
  }
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const connections: (string | null)[] = [];
  wss.on('connection', (ws, req) => {
    const since = new URL(req.url ?? '/', 'http://x').searchParams.get('since_mtime');
    connections.push(since);
    let i = since === null ? 0 : prefixMax.findIndex((m) => m >= Number(since));
    if (i < 0) i = lines.length;
    const limit = dropAfter[connections.length - 1] ?? Number.POSITIVE_INFINITY;
    let sent = 0;
    const pump = () => {
      for (let k = 0; k < 50 && i < lines.length; k++, i++, sent++) {
        if (sent >= limit) return ws.terminate(); // the drop: mid-stream, no close frame
        ws.send(lines[i]);
      }
      if (i < lines.length) setImmediate(pump);
    };
    pump();
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/2/rsvps`,
    connections,
    close: () => new Promise((r) => wss.close(r)),
  };
}

test('websocket source: two dropped connections lose nothing and duplicate nothing', async () => {
  const lines = captureOrSynthetic();
  const malformed = ['{"rsvp_id": 7, "mtime": ', '{"not": "an rsvp"}'];
  const all = [
    ...lines.slice(0, 300),
    malformed[0],
    ...lines.slice(300, 900),
    malformed[1],
    ...lines.slice(900),
  ];
  const server = await streamServer(all, [Math.floor(all.length * 0.4), Math.floor(all.length * 0.3)]);
  const { log, cleanup } = await tempLog();
  try {
    const app = meetupApp({ trendingMinCount: 2 });
    await createAppTopics(app, log);
    const controller = new AbortController();
    const source = streamRsvps(log, { url: server.url, signal: controller.signal });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = await log.describeTopic('rsvps');
      if (d.partitions.reduce((n, p) => n + p.endOffset, 0) >= lines.length) break;
      assert.ok(Date.now() < deadline, 'all messages arrive within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200)); // anything extra would show up now
    controller.abort();
    const stats = await source;
    assert.equal(server.connections.length, 3);
    assert.equal(server.connections[0], null);
    assert.ok(
      server.connections[1] !== null && server.connections[2] !== null,
      'reconnects resume with since_mtime',
    );
    assert.ok(stats.skipped > 0, 'the resent messages were recognised');

    const got = (await readAll(log, 'rsvps')).map((r) => Buffer.from(r.value!).toString()).sort();
    assert.deepEqual(got, [...lines].sort(), 'every message exactly once');
    const dead = await readAll(log, app.deadLetterTopic.name);
    assert.deepEqual(dead.map((r) => Buffer.from(r.value!).toString()).sort(), [...malformed].sort());

    // And the counts: the app over what arrived equals the reference over the stream.
    const running = await runApp(app, { log, bounded: true });
    await running.done;
    const exp = reference(lines, { partitions: 4, outOfOrdernessMs: 10_000, minCount: 2, top: 10 });
    const world = [...app.views.get('world-totals')!.rows().values()][0] as Record<string, number>;
    assert.deepEqual([world.yes, world.no, world.guests, world.attendees], exp.worldTotals);
  } finally {
    await server.close();
    await cleanup();
  }
});

test('websocket source: gives up with SS_ERR_CONNECTION after maxRetries failed attempts', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  await new Promise((r) => wss.close(r)); // nothing listens there now
  const events: string[] = [];
  const source = new WebSocketSource(
    { append: async () => [] },
    {
      url: `ws://127.0.0.1:${port}/`,
      topic: 't',
      toRecord: (text) => ({ value: Buffer.from(text), timestamp: 0 }),
      maxRetries: 3,
      initialDelayMs: 5,
      onStatus: (e) => events.push(e.type),
    },
  );
  await assert.rejects(source.run(), (err) => isStreamsightError(err) && err.code === 'SS_ERR_CONNECTION');
  assert.equal(events.filter((e) => e === 'close').length, 3);
});

test('websocket source: invalid options are coded errors', () => {
  const ok = { url: 'ws://localhost:1/', topic: 't', toRecord: () => ({ value: null, timestamp: 0 }) };
  for (const bad of [
    { url: 'http://x/' },
    { url: 'not a url' },
    { topic: '' },
    { batchSize: 0 },
    { toRecord: 1 },
  ]) {
    assert.throws(
      () => new WebSocketSource({ append: async () => [] }, { ...ok, ...bad } as never),
      (err) => isStreamsightError(err) && err.code === 'SS_ERR_INVALID_OPTION',
    );
  }
});
