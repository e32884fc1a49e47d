/**
 * `streamsight keys create|list|delete` and `streamsight users create`: credentials for the server,
 * kept in the auth store at `<data-dir>/auth` (the same LMDB environment a running server reads, so a
 * key works at once). A new key is shown once; only its hash is stored.
 */

import { join } from 'node:path';
import { Command } from 'commander';
import { StreamsightError } from '../../errors/index.ts';
import { type AuthStore, openAuthStore } from '../../server/auth-store.ts';
import { configOf, printTable } from './shared.ts';

async function withAuthStore<T>(command: Command, use: (store: AuthStore) => Promise<T> | T): Promise<T> {
  const store = openAuthStore({ path: join(configOf(command).dataDir, 'auth') });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function scopesOf(opts: { scope?: string[] }): string[] {
  return opts.scope ?? [];
}

export function keysCommand(): Command {
  const keys = new Command('keys').description(
    'API keys of the server (scopes: admin, produce:<app>/<topic>, read:<app>/<view>)',
  );
  keys
    .command('create')
    .description('creates an API key and prints it (shown once)')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption(
      '--scope <scope...>',
      'one or more scopes, e.g. read:nexmark/* produce:nexmark/nexmark-events',
    )
    .option('--json', 'print { id, key, scopes } as JSON')
    .action(async (opts: { name: string; scope?: string[]; json?: boolean }, command: Command) => {
      const created = await withAuthStore(command, (s) => s.createKey(opts.name, scopesOf(opts)));
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(created)}\n`
          : `key ${created.id} (${created.scopes.join(' ')}):\n${created.key}\n`,
      );
    });
  keys
    .command('list')
    .description('lists API keys (ids, names, scopes; never the keys)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const list = await withAuthStore(command, (s) => s.listKeys());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      printTable([
        ['id', 'name', 'scopes', 'created'],
        ...list.map((k) => [k.id, k.name, k.scopes.join(' '), new Date(k.createdAt).toISOString()]),
      ]);
    });
  keys
    .command('delete')
    .description('deletes an API key by id')
    .argument('<id>', 'the key id (from keys list)')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const deleted = await withAuthStore(command, (s) => s.deleteKey(id));
      if (!deleted) throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', `no key ${id} (see keys list)`);
      process.stdout.write(`deleted key ${id}\n`);
    });
  return keys;
}

export function usersCommand(): Command {
  const users = new Command('users').description('dashboard users (passwords stored as scrypt hashes)');
  users
    .command('create')
    .description('creates a user; the password is read from STREAMSIGHT_PASSWORD, never from a flag')
    .argument('<username>')
    .requiredOption('--scope <scope...>', 'one or more scopes, e.g. admin or read:*')
    .action(async (username: string, opts: { scope?: string[] }, command: Command) => {
      const password = process.env.STREAMSIGHT_PASSWORD ?? '';
      const created = await withAuthStore(command, (s) => s.createUser(username, password, scopesOf(opts)));
      process.stdout.write(`user ${created.username} (${created.scopes.join(' ')})\n`);
    });
  return users;
}
