/**
 * The one WebSocket the dashboard keeps to `/api/v1/live`, shared by every widget and page.
 *
 * Channels are reference-counted: the first listener of `<app>/<view>` sends `subscribe`, the last
 * one to leave sends `unsubscribe` (a moment later, so a re-render that drops and re-adds a
 * listener does not churn the server). Each channel keeps its rows by `view_key` — the snapshot
 * replaces them, deltas upsert — so every widget on a view reads one copy.
 *
 * The socket reconnects on its own: after a close it waits 0.5 s, doubling up to 15 s (with
 * jitter, so a restarted server is not hit by every tab at once), and on open it subscribes every
 * live channel again; the server answers each with a fresh snapshot, so nothing missed while
 * disconnected stays missing. A ping every 20 s keeps proxies from closing an idle socket.
 */

import { apiKey } from './auth.ts';
import type { Column, Row } from './types.ts';

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

/** Rows kept per channel; the oldest by `updated_at` go first past this. */
const MAX_ROWS = 5000;
const PING_MS = 20_000;
const UNSUBSCRIBE_DELAY_MS = 1000;

export interface ChannelState {
  columns: Column[];
  rows: Map<string, Row>;
  /** Bumped on every change, so React can tell a new state from the old. */
  version: number;
  /** Set once the first snapshot arrived. */
  ready: boolean;
  error?: string;
  /** Wall-clock ms of the last snapshot or delta. */
  updatedAt?: number;
}

interface Channel {
  state: ChannelState;
  listeners: Set<() => void>;
  dropTimer?: ReturnType<typeof setTimeout>;
}

export class LiveClient {
  #socket: WebSocket | null = null;
  #status: LiveStatus = 'idle';
  #attempt = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #pingTimer?: ReturnType<typeof setInterval>;
  #stopped = true;
  readonly #channels = new Map<string, Channel>();
  readonly #statusListeners = new Set<() => void>();

  status(): LiveStatus {
    return this.#status;
  }

  onStatus(listener: () => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** (Re)connects with the current credential, e.g. after signing in. */
  restart(): void {
    this.stop();
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    const s = this.#socket;
    this.#socket = null;
    s?.close(1000);
    this.#setStatus('idle');
  }

  channel(name: string): ChannelState | undefined {
    return this.#channels.get(name)?.state;
  }

  /** Follows a channel; returns the function that stops following it. */
  subscribe(name: string, listener: () => void): () => void {
    let ch = this.#channels.get(name);
    if (!ch) {
      ch = { state: { columns: [], rows: new Map(), version: 0, ready: false }, listeners: new Set() };
      this.#channels.set(name, ch);
      this.#send({ op: 'subscribe', channel: name });
    }
    clearTimeout(ch.dropTimer);
    ch.listeners.add(listener);
    const channel = ch;
    return () => {
      channel.listeners.delete(listener);
      if (channel.listeners.size > 0) return;
      channel.dropTimer = setTimeout(() => {
        if (channel.listeners.size > 0 || this.#channels.get(name) !== channel) return;
        this.#channels.delete(name);
        this.#send({ op: 'unsubscribe', channel: name });
      }, UNSUBSCRIBE_DELAY_MS);
    };
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const key = apiKey();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/api/v1/live${key ? `?key=${encodeURIComponent(key)}` : ''}`;
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#setStatus('open');
      for (const name of this.#channels.keys()) this.#send({ op: 'subscribe', channel: name });
      clearInterval(this.#pingTimer);
      this.#pingTimer = setInterval(() => this.#send({ op: 'ping' }), PING_MS);
    };
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#receive(String(event.data));
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      clearInterval(this.#pingTimer);
      if (this.#stopped) return;
      this.#attempt++;
      this.#setStatus('reconnecting');
      const base = Math.min(15_000, 500 * 2 ** (this.#attempt - 1));
      this.#retryTimer = setTimeout(() => this.#connect(), base * (0.75 + Math.random() * 0.5));
    };
  }

  #receive(text: string): void {
    let msg: any;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const ch = typeof msg.channel === 'string' ? this.#channels.get(msg.channel) : undefined;
    if (msg.type === 'error') {
      if (ch) {
        ch.state = { ...ch.state, error: `${msg.code}: ${msg.message}`, version: ch.state.version + 1 };
        this.#notify(ch);
      } else {
        console.warn('live channel error', msg.code, msg.message);
      }
      return;
    }
    if (!ch) return;
    if (msg.type === 'snapshot') {
      const rows = new Map<string, Row>();
      for (const row of msg.rows as Row[]) rows.set(String(row.view_key), row);
      ch.state = {
        columns: msg.columns,
        rows,
        version: ch.state.version + 1,
        ready: true,
        updatedAt: Date.now(),
      };
      this.#notify(ch);
    } else if (msg.type === 'delta') {
      const rows = new Map(ch.state.rows);
      for (const row of msg.rows as Row[]) {
        const id = String(row.view_key);
        rows.delete(id); // re-insert so the map's order stays oldest → newest change
        rows.set(id, row);
      }
      if (rows.size > MAX_ROWS) {
        const drop = rows.size - MAX_ROWS;
        let i = 0;
        for (const id of rows.keys()) {
          if (i++ >= drop) break;
          rows.delete(id);
        }
      }
      const columns = addColumns(ch.state.columns, msg.rows as Row[]);
      ch.state = { ...ch.state, columns, rows, version: ch.state.version + 1, updatedAt: Date.now() };
      this.#notify(ch);
    }
  }

  #notify(ch: Channel): void {
    for (const l of ch.listeners) l();
  }

  #send(msg: object): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(msg));
  }

  #setStatus(status: LiveStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const l of this.#statusListeners) l();
  }
}

/** Columns a delta brought that the snapshot did not have (views grow columns as fields appear). */
function addColumns(columns: Column[], rows: Row[]): Column[] {
  const known = new Set(columns.map((c) => c.name));
  let out = columns;
  for (const row of rows) {
    for (const [name, v] of Object.entries(row)) {
      if (known.has(name)) continue;
      known.add(name);
      const type: Column['type'] =
        typeof v === 'number'
          ? 'double'
          : typeof v === 'boolean'
            ? 'boolean'
            : typeof v === 'object'
              ? 'json'
              : 'text';
      out = [...out, { name, type }];
    }
  }
  return out;
}

export const live = new LiveClient();
