/**
 * Credentials: API keys, users and sessions, kept in an LMDB environment (`<dataDir>/auth`).
 *
 * Nothing secret is stored in the clear:
 * - an API key is `ss_` + 32 random bytes (base64url); the store keeps its SHA-256, so a key is
 *   looked up by hash in one read (a random 256-bit key needs no slow hash: guessing is hopeless);
 * - a password is hashed with scrypt (N=16384, r=8, p=1) and a random 16-byte salt, and compared
 *   with `timingSafeEqual`; a login for an unknown user still runs scrypt, so timing does not tell
 *   which usernames exist;
 * - a session id is 32 random bytes; the store keeps its SHA-256 with the expiry.
 *
 * Layout (LMDB named databases, msgpack values), version 1:
 *   keys      sha256(key) hex   → { id, name, scopes: string[], createdAt }
 *   key-ids   id                → sha256(key) hex
 *   users     username          → { salt, hash (hex), scopes: string[], createdAt }
 *   sessions  sha256(id) hex    → { username, expiresAt }
 */

import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { type Database, open, type RootDatabase } from 'lmdb';
import { isStreamsightError, StreamsightError } from '../errors/index.ts';
import { httpError } from './http-errors.ts';
import { formatScope, parseScopes, type Scope } from './scopes.ts';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const HASH_BYTES = 64;

/** Who made a request. */
export interface Principal {
  kind: 'key' | 'user';
  /** Key id or username. */
  id: string;
  name: string;
  scopes: Scope[];
}

export interface KeyInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: number;
}

interface KeyEntry extends KeyInfo {}

interface UserEntry {
  salt: string;
  hash: string;
  scopes: string[];
  createdAt: number;
}

interface SessionEntry {
  username: string;
  expiresAt: number;
}

export interface AuthStoreOptions {
  /** Folder of the LMDB environment. */
  path: string;
  /** Session lifetime (default 7 days). */
  sessionTtlMs?: number;
  now?: () => number;
}

const KEY = /^ss_[A-Za-z0-9_-]{43}$/;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const KEY_NAME = /^[\p{L}\p{N}\p{P}\p{S} ]{1,100}$/u;
const SESSION = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Opens (creating if needed) the credential store.
 *
 * @example
 * const auth = openAuthStore({ path: '.streamsight/auth' });
 * const { key } = await auth.createKey('ingest', ['produce:shop/orders']);
 * auth.verifyKey(key); // { kind: 'key', id, name: 'ingest', scopes: [...] }
 */
export function openAuthStore(options: AuthStoreOptions): AuthStore {
  return new AuthStore(options);
}

export class AuthStore {
  readonly path: string;
  readonly #env: RootDatabase;
  readonly #keys: Database<KeyEntry, string>;
  readonly #keyIds: Database<string, string>;
  readonly #users: Database<UserEntry, string>;
  readonly #sessions: Database<SessionEntry, string>;
  readonly #ttl: number;
  readonly #now: () => number;
  #closed: Promise<void> | undefined;

  constructor(options: AuthStoreOptions) {
    this.path = options.path;
    this.#ttl = options.sessionTtlMs ?? 7 * 86_400_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#ttl > 0))
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'sessionTtlMs must be positive');
    try {
      mkdirSync(options.path, { recursive: true, mode: 0o700 });
      this.#env = open({ path: options.path });
      this.#keys = this.#env.openDB({ name: 'keys' });
      this.#keyIds = this.#env.openDB({ name: 'key-ids' });
      this.#users = this.#env.openDB({ name: 'users' });
      this.#sessions = this.#env.openDB({ name: 'sessions' });
    } catch (cause) {
      throw new StreamsightError('SS_ERR_STORAGE', `cannot open the auth store at ${options.path}`, {
        cause,
        details: { path: options.path },
      });
    }
  }

  /** Creates an API key; the key itself is returned only here. */
  async createKey(name: string, scopes: unknown): Promise<{ id: string; key: string; scopes: string[] }> {
    this.#assertOpen();
    if (typeof name !== 'string' || !KEY_NAME.test(name))
      throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'key name must be 1..100 printable characters');
    const parsed = parseScopes(scopes).map(formatScope);
    const key = `ss_${randomBytes(32).toString('base64url')}`;
    const id = randomBytes(8).toString('hex');
    const hash = sha256(key);
    await this.#write(() => {
      this.#keys.putSync(hash, { id, name, scopes: parsed, createdAt: this.#now() });
      this.#keyIds.putSync(id, hash);
    });
    return { id, key, scopes: parsed };
  }

  listKeys(): KeyInfo[] {
    this.#assertOpen();
    const out: KeyInfo[] = [];
    for (const { value } of this.#keys.getRange()) {
      out.push({ id: value.id, name: value.name, scopes: value.scopes, createdAt: value.createdAt });
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Deletes a key by id; false when there is none. */
  async deleteKey(id: string): Promise<boolean> {
    this.#assertOpen();
    const hash = typeof id === 'string' ? this.#keyIds.get(id) : undefined;
    if (hash === undefined) return false;
    await this.#write(() => {
      this.#keys.removeSync(hash);
      this.#keyIds.removeSync(id);
    });
    return true;
  }

  /** Deletes every key with this name (dev mode replaces its generated key at each start). */
  async deleteKeysNamed(name: string): Promise<number> {
    const ids = this.listKeys()
      .filter((k) => k.name === name)
      .map((k) => k.id);
    for (const id of ids) await this.deleteKey(id);
    return ids.length;
  }

  /** The principal of a bearer key, or undefined when the key is malformed or unknown. */
  verifyKey(key: string): Principal | undefined {
    this.#assertOpen();
    if (typeof key !== 'string' || !KEY.test(key)) return undefined;
    const entry = this.#keys.get(sha256(key));
    if (entry === undefined) return undefined;
    return { kind: 'key', id: entry.id, name: entry.name, scopes: parseScopes(entry.scopes) };
  }

  /** Creates a user; 409 SS_ERR_INVALID_ARGUMENT when the username is taken. */
  async createUser(
    username: string,
    password: string,
    scopes: unknown,
  ): Promise<{ username: string; scopes: string[] }> {
    this.#assertOpen();
    if (typeof username !== 'string' || !USERNAME.test(username))
      throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', `username must match ${USERNAME}`);
    if (typeof password !== 'string' || password.length < 8 || password.length > 1024)
      throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'password must be 8..1024 characters');
    const parsed = parseScopes(scopes).map(formatScope);
    if (this.#users.get(username) !== undefined)
      throw httpError('SS_ERR_INVALID_ARGUMENT', 409, `user ${username} exists already`);
    const salt = randomBytes(16);
    const hash = await scrypt(password, salt, HASH_BYTES, SCRYPT);
    await this.#write(() => {
      this.#users.putSync(username, {
        salt: salt.toString('hex'),
        hash: hash.toString('hex'),
        scopes: parsed,
        createdAt: this.#now(),
      });
    });
    return { username, scopes: parsed };
  }

  /** Checks a password and opens a session; undefined when the username or password is wrong. */
  async login(
    username: string,
    password: string,
  ): Promise<{ session: string; expiresAt: number } | undefined> {
    this.#assertOpen();
    if (typeof username !== 'string' || typeof password !== 'string' || password.length > 1024)
      return undefined;
    const user = USERNAME.test(username) ? this.#users.get(username) : undefined;
    // Same work for unknown users: timing must not reveal which usernames exist.
    const salt = user ? Buffer.from(user.salt, 'hex') : Buffer.alloc(16);
    const expected = user ? Buffer.from(user.hash, 'hex') : Buffer.alloc(HASH_BYTES);
    const actual = await scrypt(password, salt, HASH_BYTES, SCRYPT);
    if (!timingSafeEqual(actual, expected) || !user) return undefined;
    const session = randomBytes(32).toString('base64url');
    const expiresAt = this.#now() + this.#ttl;
    await this.#write(() => this.#sessions.putSync(sha256(session), { username, expiresAt }));
    return { session, expiresAt };
  }

  /** The principal of a session cookie; undefined when unknown, expired, or its user is gone. */
  verifySession(session: string): Principal | undefined {
    this.#assertOpen();
    if (typeof session !== 'string' || !SESSION.test(session)) return undefined;
    const hash = sha256(session);
    const entry = this.#sessions.get(hash);
    if (entry === undefined) return undefined;
    const user = this.#users.get(entry.username);
    if (entry.expiresAt <= this.#now() || user === undefined) {
      this.#sessions.remove(hash).catch(() => {});
      return undefined;
    }
    return { kind: 'user', id: entry.username, name: entry.username, scopes: parseScopes(user.scopes) };
  }

  async logout(session: string): Promise<void> {
    this.#assertOpen();
    if (typeof session !== 'string' || !SESSION.test(session)) return;
    await this.#write(() => this.#sessions.removeSync(sha256(session)));
  }

  /** Deletes expired sessions. */
  async purgeSessions(): Promise<number> {
    this.#assertOpen();
    const now = this.#now();
    const expired: string[] = [];
    for (const { key, value } of this.#sessions.getRange()) if (value.expiresAt <= now) expired.push(key);
    if (expired.length > 0)
      await this.#write(() => {
        for (const k of expired) this.#sessions.removeSync(k);
      });
    return expired.length;
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#env.close();
    return this.#closed;
  }

  async #write(fn: () => void): Promise<void> {
    try {
      await this.#env.transaction(fn);
    } catch (cause) {
      if (isStreamsightError(cause)) throw cause;
      throw new StreamsightError('SS_ERR_STORAGE', `cannot write the auth store at ${this.path}`, { cause });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the auth store is closed');
  }
}
