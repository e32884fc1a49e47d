import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ServerContext } from '../../src/server/context.ts';
import { LiveHub, type LiveSocket } from '../../src/server/live.ts';
import { eventually, type Harness, startHarness } from './harness.ts';

type Message = { type: string; channel?: string; rows?: Record<string, unknown>[]; code?: string };

/** A WebSocket client that collects messages. */
async function client(url: string): Promise<{ ws: WebSocket; messages: Message[]; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const messages: Message[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

describe('live channels', { timeout: 120_000 }, () => {
  let h: Harness;
  let base: string;
  const key = (bearer: string) => bearer.slice('Bearer '.length);
  const produce = async (orders: object[]) => {
    const res = await h.server.inject({
      method: 'POST',
      url: '/api/v1/topics/orders/records',
      headers: { authorization: h.keys.produce },
      payload: orders,
    });
    assert.equal(res.statusCode, 202, res.body);
  };

  before(async () => {
    h = await startHarness({
      limits: { rateMax: 100_000, live: { coalesceBytes: 64 * 1024, maxBufferedBytes: 512 * 1024 } },
    });
    await h.server.listen({ port: 0, host: '127.0.0.1' });
    const address = h.server.server.address() as { port: number };
    base = `ws://127.0.0.1:${address.port}/api/v1/live`;
    await produce([{ user: 'ann', amount: 1, at: 1 }]);
    await eventually(
      async () => (await h.store.read('shop', 'last-order').catch(() => ({ total: 0 }))).total === 1,
    );
  });
  after(() => h.close());

  it('refuses a connection without a credential', async () => {
    await assert.rejects(client(base), /401/);
  });

  it('closes the sockets of a deleted key (1008) and keeps the others', async () => {
    const temporary = await h.auth.createKey('temporary', ['read:shop/*']);
    const doomed = await client(`${base}?key=${temporary.key}`);
    const other = await client(`${base}?key=${key(h.keys.readOne)}`);
    doomed.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
    await eventually(() => doomed.messages.some((m) => m.type === 'snapshot'));
    await h.auth.deleteKey(temporary.id);
    assert.equal(await doomed.closed, 1008);
    other.ws.send(JSON.stringify({ op: 'ping' }));
    await eventually(() => other.messages.some((m) => m.type === 'pong'));
    other.ws.close();
  });

  it('sends a snapshot, then deltas', async () => {
    const c = await client(`${base}?key=${key(h.keys.readOne)}`);
    c.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
    await eventually(() => c.messages.some((m) => m.type === 'snapshot'));
    const snapshot = c.messages.find((m) => m.type === 'snapshot')!;
    assert.deepEqual(
      snapshot.rows!.map((r) => r.key),
      ['ann'],
    );
    await produce([{ user: 'dan', amount: 5, at: 2 }]);
    const delta = await eventually(() =>
      c.messages.find((m) => m.type === 'delta' && m.rows!.some((r) => r.key === 'dan')),
    );
    assert.equal(delta!.channel, 'shop/last-order');
    assert.equal(delta!.rows!.find((r) => r.key === 'dan')!.amount, 5);
    c.ws.send(JSON.stringify({ op: 'ping' }));
    await eventually(() => c.messages.some((m) => m.type === 'pong'));
    c.ws.send(JSON.stringify({ op: 'unsubscribe', channel: 'shop/last-order' }));
    c.ws.send(JSON.stringify({ op: 'ping' }));
    await eventually(() => c.messages.filter((m) => m.type === 'pong').length === 2);
    const count = c.messages.length;
    await produce([{ user: 'dan', amount: 6, at: 3 }]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.messages.length, count, 'no deltas after unsubscribe');
    c.ws.close();
  });

  it('rejects channels the credential may not read, unknown views and bad messages', async () => {
    const c = await client(`${base}?key=${key(h.keys.wrong)}`);
    c.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
    c.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/nope' }));
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ op: 'dance' }));
    await eventually(() => c.messages.length === 4);
    // Subscriptions answer after an await, so the order of the replies may differ from the requests'.
    assert.deepEqual(c.messages.map((m) => m.code).sort(), [
      'SS_ERR_FORBIDDEN',
      'SS_ERR_INVALID_ARGUMENT',
      'SS_ERR_INVALID_ARGUMENT',
      'SS_ERR_VIEW_NOT_FOUND',
    ]);
    c.ws.close();
  });

  it('gives a per-user credential only its own rows, whatever it asks for', async () => {
    const c = await client(`${base}?key=${key(h.keys.ann)}`);
    c.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order', where: { key: 'dan' } }));
    await eventually(() => c.messages.some((m) => m.type === 'snapshot'));
    const all = await client(`${base}?key=${key(h.keys.readOne)}`);
    all.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
    await eventually(() => all.messages.some((m) => m.type === 'snapshot'));
    await produce([
      { user: 'dan', amount: 7, at: 4 },
      { user: 'ann', amount: 8, at: 5 },
      { user: 'eve', amount: 9, at: 6 },
    ]);
    await eventually(
      () => all.messages.filter((m) => m.type === 'delta').flatMap((m) => m.rows!).length >= 3,
    );
    await eventually(() => c.messages.some((m) => m.type === 'delta'));
    await new Promise((r) => setTimeout(r, 200));
    const seen = c.messages.flatMap((m) => m.rows ?? []).map((r) => r.key);
    assert.ok(seen.length > 0);
    assert.deepEqual([...new Set(seen)], ['ann']);
    c.ws.close();
    all.ws.close();
  });

  it('disconnects a client that stops reading with 1013, and keeps serving the others', async () => {
    const slow = await client(`${base}?key=${key(h.keys.readOne)}`);
    const fast = await client(`${base}?key=${key(h.keys.readOne)}`);
    for (const c of [slow, fast]) c.ws.send(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
    await eventually(
      () =>
        slow.messages.some((m) => m.type === 'snapshot') && fast.messages.some((m) => m.type === 'snapshot'),
    );
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const note = 'x'.repeat(2000);
    let at = 100;
    const deadline = Date.now() + 60_000;
    let code: number | undefined;
    void slow.closed.then((c) => (code = c));
    // Bounded: at most 60 s or 30 MB of rows.
    for (let round = 0; round < 30 && code === undefined && Date.now() < deadline; round++) {
      await produce(
        Array.from({ length: 500 }, (_, i) => ({ user: `u${round}-${i}`, amount: i, at: at++, note })),
      );
      await new Promise((r) => setTimeout(r, 100));
      (slow.ws as unknown as { _socket: { resume(): void; pause(): void } })._socket.resume();
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    // The server closes with 1013; a client that does not read in time sees the connection drop (1006).
    assert.ok([1013, 1006].includes(await slow.closed));
    const stats = h.server.streamsight.hub.stats;
    assert.ok(stats.slowDisconnects >= 1);
    // The fast client got every row.
    await eventually(() =>
      new Set(fast.messages.flatMap((m) => m.rows ?? []).map((r) => r.key)).has(`u0-499`),
    );
    fast.ws.close();
    slow.ws.terminate();
    await fast.closed;
  });
});

describe('live coalescing (socket double)', () => {
  it('coalesces per view_key while the socket is above the mark, then sends the latest rows once', async () => {
    const h = await startHarness();
    try {
      const listeners: Array<(rows: Record<string, unknown>[]) => void> = [];
      const ctx = new ServerContext({
        log: h.log,
        apps: [h.running],
        authStore: h.auth,
        materializers: {
          shop: {
            subscribe: (_view, l) => {
              listeners.push(l);
              return () => {};
            },
          },
        },
        limits: { live: { coalesceBytes: 1000, maxBufferedBytes: 5000, maxPendingRows: 3 } },
      });
      const hub = new LiveHub(ctx);
      const sent: Message[] = [];
      let closedWith: number | undefined;
      const socket: LiveSocket & { bufferedAmount: number } = {
        bufferedAmount: 0,
        readyState: 1,
        send: (d) => void sent.push(JSON.parse(d)),
        close: (code) => void (closedWith = code),
      };
      const principal = h.auth.verifyKey(h.keys.readOne.slice(7))!;
      const conn = hub.connect(socket, principal);
      await conn.onMessage(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
      assert.equal(sent[0].type, 'snapshot');
      const row = (key: string, amount: number) => ({ view_key: key, key, amount });
      listeners[0]([row('a', 1)]);
      assert.equal(sent.length, 2, 'below the mark: sent at once');
      socket.bufferedAmount = 2000; // above the coalescing mark
      listeners[0]([row('a', 2), row('b', 1)]);
      listeners[0]([row('a', 3)]);
      assert.equal(sent.length, 2, 'held while the socket is full');
      socket.bufferedAmount = 0;
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(sent.length, 3);
      assert.deepEqual(sent[2].rows, [row('a', 3), row('b', 1)]);
      assert.equal(hub.stats.coalescedRows, 1);
      // Too many distinct pending rows: disconnected.
      socket.bufferedAmount = 2000;
      listeners[0]([row('c', 1), row('d', 1), row('e', 1), row('f', 1)]);
      assert.equal(closedWith, 1013);
      assert.equal(hub.stats.slowDisconnects, 1);
      assert.equal(hub.stats.clients, 0);
      // Past the buffer limit: disconnected at the next delta.
      const conn2 = hub.connect(socket, principal);
      closedWith = undefined;
      socket.bufferedAmount = 0;
      await conn2.onMessage(JSON.stringify({ op: 'subscribe', channel: 'shop/last-order' }));
      socket.bufferedAmount = 6000;
      listeners[1]([row('a', 9)]);
      assert.equal(closedWith, 1013);
      await ctx.stopSampling();
    } finally {
      await h.close();
    }
  });
});
