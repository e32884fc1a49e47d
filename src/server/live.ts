/**
 * Live channels over one WebSocket per client (`GET /api/v1/live`, docs/api.md).
 *
 * A subscription to `<app>/<view>` first listens to the view's live feed, then reads the snapshot
 * from the view store, sends it, and then sends what arrived meanwhile as a delta — so no change
 * falls between snapshot and deltas (a row may come twice; rows are upserts by `view_key`, so a
 * repeat is harmless).
 *
 * Memory per client is bounded whatever the client does:
 * - while the socket buffers more than `coalesceBytes` (1 MiB), deltas are not sent but kept per
 *   channel in a map by `view_key`, so a hot row costs one entry however often it changes; a timer
 *   sends the map as one delta once the buffer drains below the mark;
 * - past `maxBufferedBytes` (8 MiB) buffered, or `maxPendingRows` coalesced rows, the client is
 *   disconnected with close code 1013 ("try again later");
 * - incoming messages are capped at 64 KiB and subscriptions per socket at `maxSubscriptions`.
 */

import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { isStreamsightError, StreamsightError } from '../errors/index.ts';
import type { ColumnType } from '../views/view-store.ts';
import { authenticate } from './auth.ts';
import type { AuthStore, Principal } from './auth-store.ts';
import type { LiveLimits, ServerContext } from './context.ts';
import { viewAccess } from './scopes.ts';
import { typedValue } from './view-routes.ts';

export const CLOSE_TRY_AGAIN_LATER = 1013;
const DRAIN_CHECK_MS = 20;
/** How often live clients' credentials are checked again (a deleted key closes its sockets). */
export const CREDENTIAL_RECHECK_MS = 2000;
const CHANNEL = /^([A-Za-z0-9][A-Za-z0-9_-]{0,99})\/([^/\s]{1,200})$/;

type Row = Record<string, unknown>;

/** Live statistics, for /metrics. */
export interface LiveStats {
  clients: number;
  subscriptions: number;
  slowDisconnects: number;
  coalescedRows: number;
}

/** The part of a WebSocket a connection uses (the `ws` socket fits; tests may pass their own). */
export interface LiveSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without the close handshake. */
  terminate?(): void;
}

/** How long a kicked client gets to complete the close handshake before its socket is dropped. */
const KICK_GRACE_MS = 1000;

interface Subscription {
  channel: string;
  app: string;
  view: string;
  where: Array<[string, string]>;
  /** Rows that arrived before the snapshot was sent; null once it was. */
  early: Row[] | null;
  /** Coalesced rows by view_key, waiting for the socket to drain. */
  pending: Map<string, Row>;
  unsubscribe: () => void;
}

export class LiveHub {
  readonly stats: LiveStats = { clients: 0, subscriptions: 0, slowDisconnects: 0, coalescedRows: 0 };
  readonly #ctx: ServerContext;
  readonly connections = new Set<LiveConnection>();
  /** How each connection checks that its credential still holds (a deleted key, an ended session). */
  readonly #rechecks = new Map<LiveConnection, () => Principal | null>();
  #recheckTimer: NodeJS.Timeout | undefined;

  constructor(ctx: ServerContext) {
    this.#ctx = ctx;
  }

  /**
   * Registers a client. `recheck` re-authenticates its credential: every `CREDENTIAL_RECHECK_MS` a
   * client whose key was deleted or whose session ended is closed with 1008 — a socket must not
   * outlive its credential.
   */
  connect(socket: LiveSocket, principal: Principal, recheck?: () => Principal | null): LiveConnection {
    const c = new LiveConnection(this.#ctx, this, socket, principal);
    this.connections.add(c);
    this.stats.clients++;
    if (recheck) {
      this.#rechecks.set(c, recheck);
      this.#recheckTimer ??= setInterval(() => this.#recheckAll(), CREDENTIAL_RECHECK_MS).unref();
    }
    return c;
  }

  #recheckAll(): void {
    for (const [c, recheck] of this.#rechecks) {
      let valid = false;
      try {
        valid = recheck() !== null;
      } catch {
        valid = false;
      }
      if (!valid) c.revoke();
    }
  }

  /** Closes every client (server shutdown: 1001 "going away"). */
  closeAll(): void {
    clearInterval(this.#recheckTimer);
    this.#recheckTimer = undefined;
    for (const c of [...this.connections]) c.shutdown();
  }

  disconnected(c: LiveConnection): void {
    this.#rechecks.delete(c);
    if (this.connections.delete(c)) this.stats.clients--;
    if (this.#rechecks.size === 0) {
      clearInterval(this.#recheckTimer);
      this.#recheckTimer = undefined;
    }
  }
}

/** One client: its subscriptions and the coalescing of its deltas. */
export class LiveConnection {
  readonly #ctx: ServerContext;
  readonly #hub: LiveHub;
  readonly #socket: LiveSocket;
  readonly #principal: Principal;
  readonly #limits: LiveLimits;
  readonly #subs = new Map<string, Subscription>();
  #pendingRows = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(ctx: ServerContext, hub: LiveHub, socket: LiveSocket, principal: Principal) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#socket = socket;
    this.#principal = principal;
    this.#limits = ctx.limits.live;
  }

  /** Handles one client message (text). */
  async onMessage(text: string): Promise<void> {
    let msg: { op?: unknown; channel?: unknown; where?: unknown };
    try {
      msg = JSON.parse(text);
      if (msg === null || typeof msg !== 'object') throw new Error('not an object');
    } catch {
      return this.#error('SS_ERR_INVALID_ARGUMENT', 'messages are JSON objects with an "op"');
    }
    try {
      if (msg.op === 'ping') return this.#send({ type: 'pong' });
      if (msg.op === 'subscribe') return await this.#subscribe(msg.channel, msg.where);
      if (msg.op === 'unsubscribe') {
        if (typeof msg.channel === 'string') this.#drop(msg.channel);
        return;
      }
      this.#error('SS_ERR_INVALID_ARGUMENT', 'op must be subscribe, unsubscribe or ping');
    } catch (err) {
      if (isStreamsightError(err))
        this.#error(err.code, err.message, typeof msg.channel === 'string' ? msg.channel : undefined);
      else
        this.#error(
          'SS_ERR_STORAGE',
          'the subscription failed',
          typeof msg.channel === 'string' ? msg.channel : undefined,
        );
    }
  }

  /** Stops every subscription. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const channel of [...this.#subs.keys()]) this.#drop(channel);
    this.#hub.disconnected(this);
  }

  /** Closes the socket too (server shutdown). */
  shutdown(): void {
    this.close();
    this.#socket.close(1001, 'server shutting down');
  }

  /** The credential no longer holds: 1008 (policy violation), so the client signs in again. */
  revoke(): void {
    this.close();
    this.#socket.close(1008, 'credential revoked');
  }

  async #subscribe(channel: unknown, where: unknown): Promise<void> {
    const m = typeof channel === 'string' ? CHANNEL.exec(channel) : null;
    if (!m) throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'channel must be "<app>/<view>"');
    const [, app, view] = m;
    const ch = channel as string;
    const declared = this.#ctx.appsByName.get(app)?.app.views.has(view);
    if (!declared) throw new StreamsightError('SS_ERR_VIEW_NOT_FOUND', `no view ${app}/${view}`);
    const access = viewAccess(this.#principal.scopes, app, view);
    if (access.kind === 'none')
      throw new StreamsightError(
        'SS_ERR_FORBIDDEN',
        `${this.#principal.kind} ${this.#principal.name} lacks scope read:${app}/${view}`,
      );
    const filters: Record<string, string> = {};
    if (where !== undefined) {
      if (
        where === null ||
        typeof where !== 'object' ||
        Array.isArray(where) ||
        Object.keys(where).length > 20
      )
        throw new StreamsightError(
          'SS_ERR_INVALID_ARGUMENT',
          'where must be an object of at most 20 column values',
        );
      for (const [k, v] of Object.entries(where)) {
        if (!['string', 'number', 'boolean'].includes(typeof v))
          throw new StreamsightError(
            'SS_ERR_INVALID_ARGUMENT',
            `where.${k} must be a string, number or boolean`,
          );
        filters[k] = String(v);
      }
    }
    // A per-user scope sees its own rows only, whatever it asked for.
    if (access.kind === 'user') filters.key = access.user;
    this.#drop(ch);
    if (this.#subs.size >= this.#limits.maxSubscriptions)
      throw new StreamsightError(
        'SS_ERR_INVALID_ARGUMENT',
        `at most ${this.#limits.maxSubscriptions} channels per connection`,
      );
    const sub: Subscription = {
      channel: ch,
      app,
      view,
      where: Object.entries(filters),
      early: [],
      pending: new Map(),
      unsubscribe: () => {},
    };
    const feed = this.#ctx.feeds.get(app);
    if (feed) sub.unsubscribe = feed.subscribe(view, (rows) => this.#onRows(sub, rows));
    this.#subs.set(ch, sub);
    this.#hub.stats.subscriptions++;
    let snapshot: { columns: unknown[]; rows: Row[] } = { columns: [], rows: [] };
    const store = this.#ctx.viewStore;
    if (store) {
      const info = (await store.listViews(app)).find((v) => v.name === view);
      if (info) {
        const types = new Map<string, ColumnType>(info.columns.map((c) => [c.name, c.type]));
        const typed = Object.fromEntries(sub.where.map(([k, v]) => [k, typedValue(v, types.get(k))]));
        const page = await store.read(app, view, {
          where: typed,
          orderBy: 'updated_at',
          desc: true,
          limit: this.#limits.snapshotRows,
        });
        snapshot = { columns: page.columns, rows: page.rows };
      }
    }
    if (this.#subs.get(ch) !== sub || this.#closed) return; // unsubscribed meanwhile
    this.#send({ type: 'snapshot', channel: ch, columns: snapshot.columns, rows: snapshot.rows });
    const early = sub.early ?? [];
    sub.early = null;
    if (early.length > 0) this.#deliver(sub, early);
  }

  #drop(channel: string): void {
    const sub = this.#subs.get(channel);
    if (!sub) return;
    sub.unsubscribe();
    this.#pendingRows -= sub.pending.size;
    this.#subs.delete(channel);
    this.#hub.stats.subscriptions--;
  }

  #onRows(sub: Subscription, rows: Row[]): void {
    if (this.#closed) return;
    const matching =
      sub.where.length === 0 ? rows : rows.filter((r) => sub.where.every(([k, v]) => String(r[k]) === v));
    if (matching.length === 0) return;
    if (sub.early) {
      sub.early.push(...matching);
      if (sub.early.length > this.#limits.maxPendingRows)
        this.#kick('too many rows while the snapshot was read');
      return;
    }
    this.#deliver(sub, matching);
  }

  #deliver(sub: Subscription, rows: Row[]): void {
    const buffered = this.#socket.bufferedAmount;
    if (buffered > this.#limits.maxBufferedBytes) {
      this.#kick('the client reads too slowly');
      return;
    }
    if (buffered <= this.#limits.coalesceBytes && sub.pending.size === 0) {
      this.#send({ type: 'delta', channel: sub.channel, rows });
      return;
    }
    for (const row of rows) {
      const id = String(row.view_key);
      if (!sub.pending.has(id)) this.#pendingRows++;
      else this.#hub.stats.coalescedRows++;
      sub.pending.set(id, row);
    }
    if (this.#pendingRows > this.#limits.maxPendingRows) {
      this.#kick('too many coalesced rows');
      return;
    }
    this.#timer ??= setInterval(() => this.#drain(), DRAIN_CHECK_MS);
  }

  /** Sends the coalesced rows once the socket has drained below the mark. */
  #drain(): void {
    const buffered = this.#socket.bufferedAmount;
    if (buffered > this.#limits.maxBufferedBytes) {
      this.#kick('the client reads too slowly');
      return;
    }
    if (buffered > this.#limits.coalesceBytes) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const sub of this.#subs.values()) {
      if (sub.pending.size === 0) continue;
      const rows = [...sub.pending.values()];
      this.#pendingRows -= rows.length;
      sub.pending.clear();
      this.#send({ type: 'delta', channel: sub.channel, rows });
    }
  }

  #kick(reason: string): void {
    if (this.#closed) return;
    this.#hub.stats.slowDisconnects++;
    this.close();
    this.#socket.close(CLOSE_TRY_AGAIN_LATER, reason);
    // A client that does not read will not read the close frame either: free its buffers soon.
    const socket = this.#socket;
    if (socket.terminate) setTimeout(() => socket.terminate?.(), KICK_GRACE_MS).unref();
  }

  #error(code: string, message: string, channel?: string): void {
    this.#send({ type: 'error', code, message, ...(channel === undefined ? {} : { channel }) });
  }

  #send(message: object): void {
    if (this.#closed || this.#socket.readyState !== 1) return;
    this.#socket.send(JSON.stringify(message));
  }
}

/** Registers `GET /api/v1/live`. */
export function registerLiveRoute(fastify: FastifyInstance, hub: LiveHub, auth: AuthStore): void {
  fastify.get(
    '/api/v1/live',
    { websocket: true, config: { access: 'any' } },
    (socket: WebSocket, request) => {
      const connection = hub.connect(socket, request.principal!, () => authenticate(request, auth, true));
      socket.on('message', (data, isBinary) => {
        if (isBinary) return void socket.close(1003, 'text frames only');
        void connection.onMessage(data.toString());
      });
      socket.on('close', () => connection.close());
      socket.on('error', () => connection.close());
    },
  );
}
