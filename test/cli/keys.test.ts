/**
 * `streamsight keys` and `streamsight users`: credentials made on the command line work in the auth
 * store the server reads; bad scopes and short passwords are refused with a clear message.
 */

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAuthStore } from '../../src/server/auth-store.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

describe('streamsight keys and users', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('streamsight-keys-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(['--data-dir', dir, ...args], { env });

  it('creates, lists and deletes API keys that the auth store accepts', async () => {
    const created = await cli([
      'keys',
      'create',
      '--name',
      'ci',
      '--scope',
      'read:shop/*',
      'produce:shop/orders',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { id, key, scopes } = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[] };
    assert.match(key, /^ss_/);
    assert.deepEqual(scopes.sort(), ['produce:shop/orders', 'read:shop/*']);

    const listed = await cli(['keys', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key), 'list never shows a key');
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { id: string }[]).map((k) => k.id),
      [id],
    );

    const store = openAuthStore({ path: join(dir, 'auth') });
    assert.equal(store.verifyKey(key)?.name, 'ci');
    await store.close();

    assert.equal((await cli(['keys', 'delete', id])).code, 0);
    const again = await cli(['keys', 'delete', id]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no key/);
    const after = openAuthStore({ path: join(dir, 'auth') });
    assert.equal(after.verifyKey(key), undefined);
    await after.close();
  });

  it('refuses bad scopes and weak passwords with a message', async () => {
    const bad = await cli(['keys', 'create', '--name', 'x', '--scope', 'write:everything']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /scope/);

    const weak = await cli(['users', 'create', 'alice', '--scope', 'read:*'], {
      STREAMSIGHT_PASSWORD: 'short',
    });
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /password must be 8\.\.1024 characters/);

    const ok = await cli(['users', 'create', 'alice', '--scope', 'read:*'], {
      STREAMSIGHT_PASSWORD: 'correct horse battery',
    });
    assert.equal(ok.code, 0, ok.stderr);
    const store = openAuthStore({ path: join(dir, 'auth') });
    assert.ok(await store.login('alice', 'correct horse battery'));
    assert.equal(await store.login('alice', 'wrong password!'), undefined);
    await store.close();
  });
});
