import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readAll } from '../helpers/temp-log.ts';
import { type Harness, startHarness } from './harness.ts';

describe('POST /api/v1/topics/:topic/records', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { rateMax: 10, rateWindowMs: 60_000, ingestBodyBytes: 64 * 1024 } });
  });
  after(() => h.close());

  const post = (payload: string, contentType: string, auth = h.keys.produce, topic = 'orders') =>
    h.server.inject({
      method: 'POST',
      url: `/api/v1/topics/${topic}/records`,
      headers: { authorization: auth, 'content-type': contentType },
      payload,
    });

  it('appends a JSON array durably and answers 202 with one offset per record', async () => {
    const values = [
      { user: 'ann', amount: 10, at: 1000 },
      { user: 'bob', amount: 5, at: 1001 },
      { user: 'ann', amount: 7, at: 1002 },
    ];
    const res = await post(JSON.stringify(values), 'application/json');
    assert.equal(res.statusCode, 202, res.body);
    const { offsets } = res.json() as { offsets: { partition: number; offset: number }[] };
    assert.equal(offsets.length, 3);
    // Same key → same partition, consecutive offsets.
    assert.equal(offsets[0].partition, offsets[2].partition);
    const stored = await readAll(h.log, 'orders');
    for (const [i, o] of offsets.entries()) {
      const r = stored.find((s) => s.partition === o.partition && s.offset === o.offset)!;
      assert.deepEqual(JSON.parse(Buffer.from(r.value!).toString()), values[i]);
      assert.equal(Buffer.from(r.key!).toString(), values[i].user);
      assert.equal(r.timestamp, values[i].at);
    }
  });

  it('appends NDJSON, skipping blank lines', async () => {
    const before = (await readAll(h.log, 'orders')).length;
    const body = '{"user":"cy","amount":1,"at":5}\n\n{"user":"dee","amount":2,"at":6}\n';
    const res = await post(body, 'application/x-ndjson');
    assert.equal(res.statusCode, 202, res.body);
    assert.equal((res.json() as { offsets: unknown[] }).offsets.length, 2);
    assert.equal((await readAll(h.log, 'orders')).length, before + 2);
  });

  it('rejects the whole batch with per-record errors when any record fails, appending nothing', async () => {
    const before = (await readAll(h.log, 'orders')).length;
    const body = [
      '{"user":"ann","amount":1,"at":1}',
      '{"user":"","amount":1,"at":1}',
      'not json',
      '{"user":"bob","amount":-3,"at":2}',
      '{"user":"bob","amount":3}',
    ].join('\n');
    const res = await post(body, 'application/x-ndjson');
    assert.equal(res.statusCode, 400);
    const { error } = res.json() as {
      error: { code: string; details: { records: { index: number; code: string; message: string }[] } };
    };
    assert.equal(error.code, 'SS_ERR_SCHEMA');
    assert.deepEqual(
      error.details.records.map((r) => [r.index, r.code]),
      [
        [1, 'SS_ERR_SCHEMA'],
        [2, 'SS_ERR_DECODE'],
        [3, 'SS_ERR_SCHEMA'],
        [4, 'SS_ERR_SCHEMA'],
      ],
    );
    assert.match(error.details.records[0].message, /user/);
    assert.match(error.details.records[2].message, /amount/);
    assert.equal((await readAll(h.log, 'orders')).length, before);
  });

  it('rejects bad JSON, a non-array body and an unsupported content type with coded errors', async () => {
    const bad = await post('[{"user":', 'application/json');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'SS_ERR_DECODE');
    const object = await post('{"user":"ann","amount":1,"at":1}', 'application/json');
    assert.equal(object.statusCode, 400);
    assert.equal(object.json().error.code, 'SS_ERR_INVALID_ARGUMENT');
    const xml = await post('<order/>', 'application/xml', h.keys.admin);
    assert.equal(xml.statusCode, 415);
    assert.equal(xml.json().error.code, 'SS_ERR_INVALID_ARGUMENT');
    const missing = await post('[]', 'application/json', h.keys.admin, 'no-such-topic');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'SS_ERR_TOPIC_NOT_FOUND');
  });

  it('rejects an oversize body with 413 and appends nothing', async () => {
    const before = (await readAll(h.log, 'orders')).length;
    const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ user: `u${i}`, amount: i, at: i })));
    assert.ok(big.length > 64 * 1024);
    for (const [payload, type] of [
      [big, 'application/json'],
      [big, 'application/x-ndjson'],
    ]) {
      const res = await post(payload, type, h.keys.admin);
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().error.code, 'SS_ERR_PAYLOAD_TOO_LARGE');
    }
    assert.equal((await readAll(h.log, 'orders')).length, before);
    // Other routes have the general 1 MiB limit.
    const query = await h.server.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { authorization: h.keys.admin, 'content-type': 'application/json' },
      payload: JSON.stringify({ sql: `SELECT '${'x'.repeat(1024 * 1024)}'` }),
    });
    assert.equal(query.statusCode, 413);
  });

  it('rate-limits per key with 429 SS_ERR_RATE_LIMITED', async () => {
    const key = `Bearer ${(await h.auth.createKey('burst', ['produce:shop/clicks'])).key}`;
    const codes: number[] = [];
    for (let i = 0; i < 12; i++)
      codes.push((await post('["c"]', 'application/json', key, 'clicks')).statusCode);
    assert.deepEqual(codes, [...Array(10).fill(202), 429, 429]);
    const limited = await post('["c"]', 'application/json', key, 'clicks');
    assert.equal(limited.json().error.code, 'SS_ERR_RATE_LIMITED');
    // Another key has its own budget.
    const other = `Bearer ${(await h.auth.createKey('other', ['produce:shop/clicks'])).key}`;
    assert.equal((await post('["c"]', 'application/json', other, 'clicks')).statusCode, 202);
  });
});
