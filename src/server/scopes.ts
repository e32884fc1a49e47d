/**
 * Scopes of API keys and users (docs/api.md):
 *
 *   admin                       everything
 *   produce:<app>/<topic>       POST records to a topic (`produce:<app>/*`, `produce:*` for more)
 *   read:<app>/<view>           read a view and follow its live channel
 *   read:<app>/*                every view of the app, its topics, pipelines, dead letters, SQL
 *   read:*                      every app
 *   read:<app>/<view>@<user>    one user's rows of a per-user view: reads are forced to `key = <user>`
 *
 * Scopes are checked in memory on every request, so they are parsed once (when a key or user is
 * created, and again when loaded) into `Scope` objects.
 */

import { StreamsightError } from '../errors/index.ts';

export type Scope =
  | { kind: 'admin' }
  | { kind: 'produce' | 'read'; app: string; name: string; user: string | undefined };

const NAME = '[A-Za-z0-9][A-Za-z0-9_.-]{0,199}';
const SCOPE = new RegExp(`^(produce|read):(?:\\*|(${NAME})/(\\*|${NAME})(?:@([^\\s/@]{1,200}))?)$`);

/** Parses one scope string; SS_ERR_INVALID_ARGUMENT when it is not one of the forms above. */
export function parseScope(text: unknown): Scope {
  if (text === 'admin') return { kind: 'admin' };
  const m = typeof text === 'string' ? SCOPE.exec(text) : null;
  if (!m) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `invalid scope ${JSON.stringify(text)}: expected admin, produce:<app>/<topic>, read:<app>/<view>, read:<app>/*, read:* or read:<app>/<view>@<user>`,
    );
  }
  const [, kind, app, name, user] = m;
  if (user !== undefined && (kind !== 'read' || name === '*')) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `invalid scope ${JSON.stringify(text)}: @<user> only narrows read:<app>/<view>`,
    );
  }
  return { kind: kind as 'produce' | 'read', app: app ?? '*', name: app === undefined ? '*' : name, user };
}

/** Parses a list of scope strings (at most 100). */
export function parseScopes(list: unknown): Scope[] {
  if (!Array.isArray(list) || list.length > 100) {
    throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'scopes must be an array of at most 100 strings');
  }
  return list.map(parseScope);
}

export function formatScope(s: Scope): string {
  if (s.kind === 'admin') return 'admin';
  if (s.app === '*') return `${s.kind}:*`;
  return `${s.kind}:${s.app}/${s.name}${s.user === undefined ? '' : `@${s.user}`}`;
}

const covers = (s: Scope, kind: 'produce' | 'read', app: string, name: string) =>
  s.kind === kind && (s.app === '*' || s.app === app) && (s.name === '*' || s.name === name);

export function isAdmin(scopes: readonly Scope[]): boolean {
  return scopes.some((s) => s.kind === 'admin');
}

/** True when the scopes allow producing to `topic` of `app`. */
export function canProduce(scopes: readonly Scope[], app: string, topic: string): boolean {
  return scopes.some((s) => s.kind === 'admin' || covers(s, 'produce', app, topic));
}

/**
 * How the scopes may read a view: `all` rows, only the rows of one `user` (a per-user scope), or
 * not at all. A scope for every row wins over a per-user one.
 */
export function viewAccess(
  scopes: readonly Scope[],
  app: string,
  view: string,
): { kind: 'all' } | { kind: 'user'; user: string } | { kind: 'none' } {
  let user: string | undefined;
  for (const s of scopes) {
    if (s.kind === 'admin') return { kind: 'all' };
    if (!covers(s, 'read', app, view)) continue;
    if (s.kind === 'read' && s.user === undefined) return { kind: 'all' };
    if (s.kind === 'read') user ??= s.user;
  }
  return user === undefined ? { kind: 'none' } : { kind: 'user', user };
}

/** True when the scopes read the whole app (`read:<app>/*`, `read:*` or `admin`). */
export function canReadApp(scopes: readonly Scope[], app: string): boolean {
  return scopes.some(
    (s) => s.kind === 'admin' || (s.kind === 'read' && (s.app === '*' || s.app === app) && s.name === '*'),
  );
}

/** True when the scopes read anything of the app (some view, possibly one user's rows). */
export function canReadSomething(scopes: readonly Scope[], app?: string): boolean {
  return scopes.some(
    (s) => s.kind === 'admin' || (s.kind === 'read' && (app === undefined || s.app === '*' || s.app === app)),
  );
}
