import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from './harness.ts';

/**
 * The auth matrix: every /api/v1 route × no credential / wrong scope / right scope. The table below
 * must name every registered route (the first test fails when a route is added without an entry).
 */
interface Case {
  url: string;
  payload?: unknown;
  /** Scopes that must be enough; omitted for public routes. */
  right?: string[];
  /** Scopes that must not be enough. */
  wrong?: string[];
  /** Status with the right scope (default: any 2xx). */
  ok?: number;
  public?: true;
}

let users = 0;

const MATRIX: Record<string, Case> = {
  'POST /api/v1/session': { url: '/api/v1/session', public: true },
  'GET /api/v1/session': { url: '/api/v1/session', public: true },
  'DELETE /api/v1/session': { url: '/api/v1/session', public: true },
  'POST /api/v1/keys': {
    url: '/api/v1/keys',
    payload: { name: 'k', scopes: ['read:shop/*'] },
    right: ['admin'],
    wrong: ['read:*', 'produce:*'],
  },
  'GET /api/v1/keys': { url: '/api/v1/keys', right: ['admin'], wrong: ['read:*'] },
  'DELETE /api/v1/keys/:id': {
    url: '/api/v1/keys/0000000000000000',
    right: ['admin'],
    wrong: ['read:*'],
    ok: 404,
  },
  'POST /api/v1/users': {
    url: '/api/v1/users',
    payload: () => ({ username: `u${++users}`, password: 'correct horse', scopes: [] }),
    right: ['admin'],
    wrong: ['read:*'],
  },
  'POST /api/v1/topics/:topic/records': {
    url: '/api/v1/topics/orders/records',
    payload: [{ user: 'ann', amount: 1, at: 1 }],
    right: ['produce:shop/orders'],
    wrong: ['produce:shop/clicks', 'read:*', 'produce:other/orders'],
  },
  'GET /api/v1/topics': { url: '/api/v1/topics', right: ['read:shop/*'], wrong: ['produce:shop/orders'] },
  'GET /api/v1/topics/:topic/records': {
    url: '/api/v1/topics/orders/records',
    right: ['read:shop/*'],
    wrong: ['read:shop/last-order', 'produce:shop/orders', 'read:other/*'],
  },
  'GET /api/v1/dead-letters': {
    url: '/api/v1/dead-letters?app=shop',
    right: ['read:shop/*'],
    wrong: ['read:other/*', 'produce:shop/orders', 'read:shop/last-order'],
  },
  'GET /api/v1/apps': {
    url: '/api/v1/apps',
    right: ['read:shop/last-order'],
    wrong: ['produce:shop/orders'],
  },
  'GET /api/v1/pipelines': {
    url: '/api/v1/pipelines',
    right: ['read:shop/*'],
    wrong: ['produce:shop/orders'],
  },
  'GET /api/v1/overview': { url: '/api/v1/overview', right: ['read:shop/*'], wrong: ['produce:shop/orders'] },
  'GET /api/v1/views': {
    url: '/api/v1/views',
    right: ['read:shop/last-order'],
    wrong: ['produce:shop/orders'],
  },
  'GET /api/v1/views/:app/:view': {
    url: '/api/v1/views/shop/last-order',
    right: ['read:shop/last-order'],
    wrong: ['read:shop/orders-per-user', 'read:other/*', 'produce:shop/orders'],
  },
  'POST /api/v1/query': {
    url: '/api/v1/query',
    payload: { sql: 'SELECT 1 AS one', app: 'shop' },
    right: ['read:shop/*'],
    wrong: ['read:shop/last-order', 'read:other/*', 'produce:shop/orders'],
  },
  // Connecting needs any credential; each channel is checked on subscribe (live.test.ts).
  'GET /api/v1/live': { url: '/api/v1/live', right: ['read:shop/last-order'], ok: 404 },
  'GET /metrics': { url: '/metrics', public: true },
  'GET /healthz': { url: '/healthz', public: true },
  'GET /': { url: '/', public: true },
};

describe('auth matrix', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const call = (method: string, c: Case, authorization?: string) =>
    h.server.inject({
      method: method as 'GET',
      url: c.url,
      headers: authorization ? { authorization } : {},
      ...(c.payload === undefined
        ? {}
        : { payload: (typeof c.payload === 'function' ? c.payload() : c.payload) as object }),
    });
  const keyWith = async (scopes: string[]) => `Bearer ${(await h.auth.createKey('matrix', scopes)).key}`;

  it('covers every registered route', () => {
    const registered = h.server.streamsight.routes
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !r.endsWith('*'));
    assert.deepEqual(
      registered.filter((r) => !(r in MATRIX)),
      [],
      'routes without an auth matrix entry',
    );
  });

  for (const [route, c] of Object.entries(MATRIX)) {
    const method = route.split(' ')[0];
    if (c.public) {
      it(`${route} needs no credential`, async () => {
        const res = await call(method, c);
        assert.notEqual(res.statusCode, 403);
        if (method === 'GET' && !route.includes('session')) assert.equal(res.statusCode, 200, res.body);
      });
      continue;
    }
    it(`${route}: 401 without a credential or with an unknown one, 403 with a wrong scope, OK with the right one`, async () => {
      const none = await call(method, c);
      assert.equal(none.statusCode, 401, none.body);
      assert.equal(none.json().error.code, 'SS_ERR_UNAUTHORIZED');
      const forged = await call(method, c, `Bearer ss_${'A'.repeat(43)}`);
      assert.equal(forged.statusCode, 401);
      for (const wrong of c.wrong ?? []) {
        const res = await call(method, c, await keyWith([wrong]));
        assert.equal(res.statusCode, 403, `${wrong}: ${res.body}`);
        assert.equal(res.json().error.code, 'SS_ERR_FORBIDDEN');
      }
      for (const auth of [await keyWith(c.right!), h.keys.admin]) {
        const res = await call(method, c, auth);
        if (c.ok) assert.equal(res.statusCode, c.ok, res.body);
        else assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${res.statusCode} ${res.body}`);
      }
    });
  }

  it('users log in with a password and get an HttpOnly SameSite=Strict session cookie', async () => {
    const created = await h.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: h.keys.admin },
      payload: { username: 'carol', password: 'open sesame!', scopes: ['read:shop/*'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const dup = await h.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: h.keys.admin },
      payload: { username: 'carol', password: 'open sesame!', scopes: [] },
    });
    assert.equal(dup.statusCode, 409);
    const wrong = await h.server.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'carol', password: 'open sesame?' },
    });
    assert.equal(wrong.statusCode, 401);
    const login = await h.server.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'carol', password: 'open sesame!' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /ss_session=/);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    const cookie = setCookie.split(';')[0];
    const me = await h.server.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
    assert.deepEqual(me.json(), { user: 'carol', kind: 'user', scopes: ['read:shop/*'] });
    assert.equal(
      (await h.server.inject({ method: 'GET', url: '/api/v1/pipelines', headers: { cookie } })).statusCode,
      200,
    );
    assert.equal(
      (await h.server.inject({ method: 'GET', url: '/api/v1/keys', headers: { cookie } })).statusCode,
      403,
    );
    await h.server.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    assert.equal(
      (await h.server.inject({ method: 'GET', url: '/api/v1/pipelines', headers: { cookie } })).statusCode,
      401,
    );
  });

  it('creates, lists and deletes keys; a deleted key stops working; bad scopes are rejected', async () => {
    const res = await h.server.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { authorization: h.keys.admin },
      payload: { name: 'ci', scopes: ['read:shop/*'] },
    });
    assert.equal(res.statusCode, 201);
    const { id, key } = res.json() as { id: string; key: string };
    const list = await h.server.inject({
      method: 'GET',
      url: '/api/v1/keys',
      headers: { authorization: h.keys.admin },
    });
    const listed = (list.json() as { keys: { id: string }[] }).keys;
    assert.ok(listed.some((k) => k.id === id));
    assert.ok(!list.body.includes(key), 'keys are never shown again');
    const auth = { authorization: `Bearer ${key}` };
    assert.equal(
      (await h.server.inject({ method: 'GET', url: '/api/v1/topics', headers: auth })).statusCode,
      200,
    );
    const del = await h.server.inject({
      method: 'DELETE',
      url: `/api/v1/keys/${id}`,
      headers: { authorization: h.keys.admin },
    });
    assert.equal(del.statusCode, 204);
    assert.equal(
      (await h.server.inject({ method: 'GET', url: '/api/v1/topics', headers: auth })).statusCode,
      401,
    );
    const bad = await h.server.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { authorization: h.keys.admin },
      payload: { name: 'x', scopes: ['write:everything'] },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'SS_ERR_INVALID_ARGUMENT');
  });
});
