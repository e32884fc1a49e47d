/**
 * Server load test (loopback only, bounded): runs `streamsight run bench/server/load-app.ts` in a
 * child process on a temp data dir and measures
 *
 * 1. batched NDJSON ingest: records/s acknowledged (202) with `--connections` parallel posters of
 *    `--batch` records each, for `--seconds`;
 * 2. acknowledgement latency at a fixed 10k records/s (batches of 100 every 10 ms): p50/p99;
 * 3. ingest → WebSocket latency with `--clients` clients on the `load/latest` channel, at
 *    `--ws-rate` records/s: p50/p99 of (receive time − `sentAt`), and that every client ends with the
 *    last sequence number of every key (deltas may be coalesced, never lost);
 * 4. nothing lost: every acknowledged record is in the topic (end offsets = acknowledged count).
 *
 * Usage: node bench/server/load.ts [--seconds 10] [--clients 200] [--connections 4] [--batch 1000] [--ws-rate 2000]
 * Smoke: node bench/server/load.ts --seconds 2 --clients 20
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '200' },
    connections: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1000' },
    'ws-rate': { type: 'string', default: '2000' },
  },
});
const num = (name: keyof typeof args, max: number) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name}: expected an integer in 1..${max}`);
  return n;
};
const SECONDS = num('seconds', 600);
const CLIENTS = num('clients', 5000);
const CONNECTIONS = num('connections', 64);
const BATCH = num('batch', 50_000);
const WS_RATE = num('ws-rate', 100_000);
const KEYS = 100;

const root = join(import.meta.dirname, '..', '..');
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string; key: string }> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'src/cli/main.ts'),
      '--data-dir',
      dir,
      'run',
      join(root, 'bench/server/load-app.ts'),
      '--workers',
      '1',
      '--port',
      '0',
      '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, STREAMSIGHT_LOG_LEVEL: 'error' } },
  );
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    try {
      const info = JSON.parse(await readFile(join(dir, 'server.json'), 'utf8'));
      return { child, ...info };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error('the server did not start within 60 s');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-load-'));
  const server = await startServer(dir);
  const auth = { authorization: `Bearer ${server.key}`, 'content-type': 'application/x-ndjson' };
  let seq = 0;
  let acked = 0;
  const lastSeq = new Map<string, number>();
  const post = async (n: number): Promise<number> => {
    const lines: string[] = [];
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const k = `k${seq % KEYS}`;
      lines.push(JSON.stringify({ k, seq, sentAt: now }));
      lastSeq.set(k, seq++);
    }
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/topics/load-events/records`, {
      method: 'POST',
      headers: auth,
      body: lines.join('\n'),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
    acked += n;
    return performance.now() - t0;
  };
  const results: Record<string, number | string> = {};
  try {
    // 1. Throughput.
    const until = Date.now() + SECONDS * 1000;
    const t0 = performance.now();
    const before = acked;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < until) await post(BATCH);
      }),
    );
    results.ingestRecordsPerSec = Math.round(((acked - before) * 1000) / (performance.now() - t0));

    // 2. Ack latency at 10k records/s.
    const latencies: number[] = [];
    const inFlight: Promise<void>[] = [];
    const start = performance.now();
    for (let tick = 0; tick < SECONDS * 100; tick++) {
      inFlight.push(post(100).then((ms) => void latencies.push(ms)));
      const wait = start + (tick + 1) * 10 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    results.ackP50Ms = +pct(latencies, 50).toFixed(2);
    results.ackP99Ms = +pct(latencies, 99).toFixed(2);

    // 3. WebSocket clients.
    const wsUrl = `${server.url.replace('http', 'ws')}/api/v1/live?key=${server.key}`;
    const wsLatencies: number[] = [];
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const ws = new WebSocket(wsUrl);
        const seen = new Map<string, number>();
        let snapshot = false;
        ws.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.type === 'snapshot') snapshot = true;
          const now = Date.now();
          for (const r of m.rows ?? []) {
            if (m.type === 'delta') wsLatencies.push(now - Number(r.sentAt));
            if ((seen.get(r.k) ?? -1) < Number(r.seq)) seen.set(r.k, Number(r.seq));
          }
        });
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'load/latest' }));
        return { ws, seen, ready: () => snapshot };
      }),
    );
    while (!clients.every((c) => c.ready())) await new Promise((r) => setTimeout(r, 20));
    const perTick = Math.max(1, Math.round(WS_RATE / 100));
    const wsStart = performance.now();
    const pending: Promise<number>[] = [];
    for (let tick = 0; tick < SECONDS * 100; tick++) {
      pending.push(post(perTick));
      const wait = wsStart + (tick + 1) * 10 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(pending);
    const deadline = Date.now() + 30_000;
    const complete = (c: (typeof clients)[number]) => [...lastSeq].every(([k, s]) => c.seen.get(k) === s);
    while (Date.now() < deadline && !clients.every(complete)) await new Promise((r) => setTimeout(r, 50));
    results.wsClients = CLIENTS;
    results.wsRatePerSec = WS_RATE;
    results.wsP50Ms = pct(wsLatencies, 50);
    results.wsP99Ms = pct(wsLatencies, 99);
    results.wsClientsMissingLatestRows = clients.filter((c) => !complete(c)).length;
    for (const c of clients) c.ws.close();

    // 4. Nothing lost.
    const topics = (await (await fetch(`${server.url}/api/v1/topics`, { headers: auth })).json()) as {
      topics: { name: string; endOffsets: number[] }[];
    };
    const stored = topics.topics.find((t) => t.name === 'load-events')!.endOffsets.reduce((a, b) => a + b, 0);
    results.acknowledged = acked;
    results.stored = stored;
    results.lost = acked - stored;
  } finally {
    server.child.kill('SIGINT');
    await new Promise((r) => server.child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `\n| measure | result | target |\n|---|---|---|\n` +
      `| NDJSON ingest (${CONNECTIONS} connections × ${BATCH}-record batches) | ${results.ingestRecordsPerSec} records/s | ≥ 100,000 |\n` +
      `| ack latency at 10k records/s | p50 ${results.ackP50Ms} ms, p99 ${results.ackP99Ms} ms | p99 ≤ 50 ms |\n` +
      `| ingest → WebSocket, ${CLIENTS} clients, ${WS_RATE} records/s | p50 ${results.wsP50Ms} ms, p99 ${results.wsP99Ms} ms | p99 ≤ 100 ms |\n` +
      `| lost (acknowledged − stored; clients missing a key's latest row) | ${results.lost}; ${results.wsClientsMissingLatestRows} | 0; 0 |\n`,
  );
}

await main();
