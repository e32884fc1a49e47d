/**
 * The pattern operator: runs one automaton (`.pattern(p)`) or one per runtime rule
 * (`.pattern(ruleSet)`) over a keyed stream, as a `ProcessOperator`, so its state is committed with
 * the task's outputs and input positions (exactly-once).
 *
 * Event-time order. Records wait in a queue (a min-heap by event time, then arrival) until the
 * watermark reaches their time; then they are fed to the automata in that order, so out-of-order
 * input matches as if it had arrived sorted. A record behind the watermark is late and goes to
 * `ctx.late`. Before each released record, and when the watermark moves, due timers fire: a timer per
 * key at the earliest `within` deadline of its partial matches, in deadline order.
 *
 * State. The partial matches of each key, the active rules and a few counters are state entries
 * (layout: `state-v1.ts`); a checkpoint writes only the keys that changed since the last one. Waiting
 * records are written in segments: one entry per checkpoint with the records that arrived since the
 * previous one and are still waiting, deleted once the watermark has passed them all. Nothing marks
 * single records as released: every waiting record is later than the watermark (a record at the
 * watermark is processed at once), so after a restore the records of a segment later than the
 * restored watermark are exactly those still waiting. Everything the automata do depends only on the
 * order of records (and of rule commands relative to them), so a restarted task replays from its
 * checkpoint to exactly the matches it would have produced.
 */

import type { Key } from '../dataflow/codec.ts';
import { msgpackCodec } from '../dataflow/codec.ts';
import type { StatePut } from '../dataflow/operators/operator.ts';
import { untagKey } from '../dataflow/operators/operator.ts';
import type { ProcessContext, ProcessOperator } from '../dataflow/operators/process.ts';
import type { CompiledPattern } from './compile.ts';
import { EventQueue, type Pending } from './event-queue.ts';
import { Heap } from './heap.ts';
import { KeyState, type MachineHost, PatternMachine, type PatternMatch } from './nfa.ts';
import { compileRule, parseRuleCommand, type Rule } from './rule-format.ts';
import { decodeRuns, encodeRuns, KEYS, META, PENDING, RULE } from './state-v1.ts';

/** What `.pattern(...)` configures. */
export type PatternOperatorConfig =
  | { kind: 'pattern'; name: string; pattern: CompiledPattern; timeouts: boolean }
  | { kind: 'rules'; app: string };

interface Timer {
  at: number;
  state: KeyState;
  machine: PatternMachine;
}

const byDeadline = (a: Timer, b: Timer): boolean =>
  a.at < b.at || (a.at === b.at && a.state.entry < b.state.entry);

/**
 * The alert topic of a runtime rule: `<app>.alerts.<rule id>`.
 *
 * @example
 * alertTopic('votes', 'many-high-votes') // 'votes.alerts.many-high-votes'
 */
export function alertTopic(app: string, ruleId: string): string {
  return `${app}.alerts.${ruleId}`;
}

export class PatternOperator implements ProcessOperator<Key, unknown, PatternMatch>, MachineHost {
  readonly #config: PatternOperatorConfig;
  /** Sorted by id, so rules see each record in the same order after a restore. */
  #machines: PatternMachine[] = [];
  readonly #pending = new EventQueue();
  readonly #timers = new Heap<Timer>(byDeadline);
  #watermark = Number.NEGATIVE_INFINITY;
  #arrivals = 0;
  #eventIds = 0;
  #segmentIds = 0;
  /** Records queued since the last checkpoint (some may be released already). */
  #added: Pending[] = [];
  /** Written segments: id and the latest event time they hold. */
  #segments: { id: number; maxTs: number }[] = [];
  /** Rule entries to write (null: delete) and key entries of removed rules to delete. */
  readonly #ruleWrites = new Map<string, Rule | null>();
  #deletes: string[] = [];
  #metaDirty = false;
  #ctx: ProcessContext<PatternMatch> | undefined;

  constructor(config: PatternOperatorConfig) {
    this.#config = config;
    if (config.kind === 'pattern') {
      this.#machines.push(new PatternMachine('', config.name, config.pattern, config.timeouts, this));
    }
  }

  process(value: unknown, key: Key, ts: number, ctx: ProcessContext<PatternMatch>): void {
    if (ts < this.#watermark) {
      ctx.late(value, key, ts);
      return;
    }
    const arrival = this.#arrivals++;
    this.#metaDirty = true;
    if (ts === this.#watermark) {
      // Nothing waiting is earlier (the queue holds only records later than the watermark): match now.
      this.#ctx = ctx;
      this.#dispatch(key, value, ts);
      return;
    }
    const p: Pending = { ts, arrival, key, value };
    this.#pending.push(p);
    this.#added.push(p);
  }

  onWatermark(watermark: number, ctx: ProcessContext<PatternMatch>): void {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    this.#metaDirty = true;
    this.#ctx = ctx;
    const pending = this.#pending;
    while (pending.size > 0 && pending.peek()!.ts <= watermark) {
      const p = pending.pop()!;
      this.#dispatch(p.key, p.value, p.ts);
    }
    if (this.#timers.size > 0) this.#fire(watermark);
  }

  /** Feeds one record, in event-time order, to every automaton (after the timers due by then). */
  #dispatch(key: Key, value: unknown, ts: number): void {
    if (this.#timers.size > 0) this.#fire(ts);
    const id = this.#eventIds++;
    const machines = this.#machines;
    for (let i = 0; i < machines.length; i++) machines[i].onEvent(key, value, ts, id);
  }

  onBroadcast(_topic: string, value: unknown, ctx: ProcessContext<PatternMatch>): void {
    if (this.#config.kind !== 'rules') return;
    this.#ctx = ctx;
    let command: ReturnType<typeof parseRuleCommand>;
    try {
      command = parseRuleCommand(value);
    } catch {
      return; // addRule validates before appending; anything else in the topic is not a command.
    }
    const id = command.op === 'add' ? command.rule.id : command.id;
    const existing = this.#machines.find((m) => m.id === id);
    if (existing) {
      existing.removed = true;
      for (const state of existing.keys.values()) if (state.persisted) this.#deletes.push(state.entry);
      this.#machines = this.#machines.filter((m) => m !== existing);
      this.#ruleWrites.set(id, null);
    }
    if (command.op === 'add') {
      this.#addMachine(command.rule);
      this.#ruleWrites.set(id, command.rule);
    }
  }

  #addMachine(rule: Rule): void {
    const { pattern } = compileRule(rule);
    const machine = new PatternMachine(rule.id, rule.id, pattern, rule.timeouts === true, this);
    this.#machines.push(machine);
    this.#machines.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Fires the timers due at or before `now`, in deadline order. */
  #fire(now: number): void {
    const timers = this.#timers;
    while (timers.size > 0 && timers.peek()!.at <= now) {
      const t = timers.pop()!;
      const { state, machine } = t;
      if (state.timerAt !== t.at || machine.removed || machine.keys.get(state.key) !== state) continue;
      state.timerAt = Number.POSITIVE_INFINITY;
      machine.expire(state, now);
    }
  }

  // ── MachineHost ────────────────────────────────────────────────────────────────────────────────

  match(machine: PatternMachine, key: Key, match: PatternMatch, ts: number): void {
    const ctx = this.#ctx!;
    if (this.#config.kind === 'rules') ctx.output(alertTopic(this.#config.app, machine.id), match, key, ts);
    ctx.emit(match, key, ts);
  }

  arm(machine: PatternMachine, state: KeyState, deadline: number): void {
    state.timerAt = deadline;
    this.#timers.push({ at: deadline, state, machine });
  }

  // ── state ──────────────────────────────────────────────────────────────────────────────────────

  checkpoint(put: StatePut): void {
    for (const entry of this.#deletes) put(entry, null);
    this.#deletes = [];
    for (const [id, rule] of this.#ruleWrites)
      put(RULE + id, rule === null ? null : msgpackCodec.encode(rule));
    this.#ruleWrites.clear();
    for (const machine of this.#machines) {
      for (const state of machine.dirty) {
        state.dirty = false;
        if (state.runs.length > 0) {
          put(state.entry, encodeRuns(state.runs));
          state.persisted = true;
          continue;
        }
        // No partial matches left: the key has no state (and nothing in memory either).
        if (state.persisted) put(state.entry, null);
        state.persisted = false;
        if (machine.keys.get(state.key) === state) machine.keys.delete(state.key);
      }
      machine.dirty.length = 0;
    }
    // Segments the watermark has passed entirely hold no waiting record any more.
    const wm = this.#watermark;
    if (this.#segments.some((seg) => seg.maxTs <= wm)) {
      const kept: { id: number; maxTs: number }[] = [];
      for (const seg of this.#segments) {
        if (seg.maxTs <= wm) put(PENDING + seg.id, null);
        else kept.push(seg);
      }
      this.#segments = kept;
    }
    const rows: [number, Key, number, unknown][] = [];
    let maxTs = Number.NEGATIVE_INFINITY;
    for (const p of this.#added) {
      if (p.ts <= wm) continue; // released already
      rows.push([p.arrival, p.key, p.ts, p.value]);
      if (p.ts > maxTs) maxTs = p.ts;
    }
    this.#added = [];
    if (rows.length > 0) {
      const id = this.#segmentIds++;
      put(PENDING + id, msgpackCodec.encode(rows));
      this.#segments.push({ id, maxTs });
      this.#metaDirty = true;
    }
    if (this.#metaDirty) {
      const saved = wm === Number.NEGATIVE_INFINITY ? null : wm;
      put(META, msgpackCodec.encode([saved, this.#arrivals, this.#eventIds, this.#segmentIds]));
      this.#metaDirty = false;
    }
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    const keys: [string, Uint8Array][] = [];
    const segments: [number, Uint8Array][] = [];
    for (const [k, v] of entries) {
      if (k === META) {
        const [wm, arrivals, eventIds, segmentIds] = msgpackCodec.decode(v) as [
          number | null,
          number,
          number,
          number,
        ];
        this.#watermark = wm ?? Number.NEGATIVE_INFINITY;
        this.#arrivals = arrivals;
        this.#eventIds = eventIds;
        this.#segmentIds = segmentIds;
      } else if (k.startsWith(PENDING)) segments.push([Number(k.slice(PENDING.length)), v]);
      else if (k.startsWith(RULE)) {
        if (this.#config.kind === 'rules') this.#addMachine(msgpackCodec.decode(v) as Rule);
      } else if (k.startsWith(KEYS)) keys.push([k, v]);
    }
    // After the watermark is known: a segment's records later than it are the ones still waiting.
    segments.sort((a, b) => a[0] - b[0]);
    for (const [id, bytes] of segments) {
      let maxTs = Number.NEGATIVE_INFINITY;
      for (const [arrival, key, ts, value] of msgpackCodec.decode(bytes) as [
        number,
        Key,
        number,
        unknown,
      ][]) {
        if (ts > maxTs) maxTs = ts;
        if (ts > this.#watermark) this.#pending.push({ ts, arrival, key, value });
      }
      this.#segments.push({ id, maxTs });
    }
    // Keys after rules: entry keys sort before rule keys, but need their machine.
    for (const [k, v] of keys) {
      const slash = k.indexOf('/');
      const machine = this.#machines.find((m) => m.id === k.slice(KEYS.length, slash));
      if (!machine) continue;
      const key = untagKey(k.slice(slash + 1));
      const state = new KeyState(key, k);
      state.runs = decodeRuns(v);
      state.persisted = true;
      machine.keys.set(key, state);
      if (machine.pattern.withinMs !== Number.POSITIVE_INFINITY && state.runs.length > 0) {
        let min = Number.POSITIVE_INFINITY;
        for (const r of state.runs) if (r.startTs < min) min = r.startTs;
        this.arm(machine, state, min + machine.pattern.withinMs);
      }
    }
  }
}
