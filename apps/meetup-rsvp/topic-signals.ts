/**
 * Signals over per-topic window counts: rising topics (this window against the one before it) and
 * topic spikes (a 1-minute count far above the topic's 10-minute average). Both read final window
 * results keyed by topic, which arrive per topic in window order, so each keeps only the last few
 * windows' counts per topic.
 */

import { msgpackCodec, type ProcessOperator, type StatePut, type WindowResult } from '../../src/index.ts';

/** A rising topic: its count in a window against the preceding, non-overlapping window. */
export interface Rising {
  count: number;
  previous: number;
  growth: number;
}

/** An alert row (the `alerts` view): a WindowResult keyed `topic:<urlkey>` or `event:<id>`. */
export interface Alert {
  kind: 'topic-spike' | 'event-surge';
  subject: string;
  count: number;
  /** Spikes: the 10-minute average per minute; surges: the threshold N. */
  baseline: number;
  message: string;
}

function keep(
  state: Map<string, Map<number, number>>,
  dirty: Set<string>,
): Pick<ProcessOperator<string, unknown, unknown>, 'checkpoint' | 'restore'> {
  return {
    checkpoint(put: StatePut) {
      for (const k of dirty) {
        const m = state.get(k);
        put(k, m && m.size > 0 ? msgpackCodec.encode([...m]) : null);
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries) state.set(k, new Map(msgpackCodec.decode(v) as [number, number][]));
    },
  };
}

/**
 * Rising topics: for each final window of a topic with at least `minCount` RSVPs, the count of the
 * window that ended when this one started (`start - size`; 0 when the topic had none). Emits the
 * window when the count grew.
 *
 * @example
 * perTopicMinute.process(() => risingTopics({ sizeMs: 300_000, minCount: 3 })).toView('rising-topics')
 */
export function risingTopics(options: {
  sizeMs: number;
  minCount: number;
}): ProcessOperator<string, WindowResult<string, number>, WindowResult<string, Rising>> {
  const { sizeMs, minCount } = options;
  const counts = new Map<string, Map<number, number>>();
  const dirty = new Set<string>();
  return {
    process(r, key, _ts, ctx) {
      if (!r.final) return;
      const k = String(key);
      let m = counts.get(k);
      if (!m) {
        m = new Map();
        counts.set(k, m);
      }
      m.set(r.start, r.value);
      for (const s of m.keys()) if (s < r.start - sizeMs) m.delete(s);
      dirty.add(k);
      const previous = m.get(r.start - sizeMs) ?? 0;
      if (r.value >= minCount && r.value > previous) {
        ctx.emit({
          key: k,
          start: r.start,
          end: r.end,
          value: { count: r.value, previous, growth: r.value - previous },
          final: true,
        });
      }
    },
    ...keep(counts, dirty),
  };
}

/**
 * Topic spikes: a topic whose count in a 1-minute window is at least `minCount` and exceeds `factor`
 * times its average per minute over the 10 minutes before the window (minutes without RSVPs count 0).
 *
 * @example
 * perTopicMinute.process(() => topicSpikes({ factor: 3, minCount: 5 })).toView('alerts')
 */
export function topicSpikes(options: {
  factor: number;
  minCount: number;
  windowMs?: number;
  historyWindows?: number;
}): ProcessOperator<string, WindowResult<string, number>, WindowResult<string, Alert>> {
  const { factor, minCount } = options;
  const windowMs = options.windowMs ?? 60_000;
  const history = options.historyWindows ?? 10;
  const counts = new Map<string, Map<number, number>>();
  const dirty = new Set<string>();
  return {
    process(r, key, _ts, ctx) {
      if (!r.final) return;
      const k = String(key);
      let m = counts.get(k);
      if (!m) {
        m = new Map();
        counts.set(k, m);
      }
      let total = 0;
      for (const [s, c] of m) {
        if (s < r.start - history * windowMs) m.delete(s);
        else if (s < r.start) total += c;
      }
      m.set(r.start, r.value);
      dirty.add(k);
      const baseline = total / history;
      if (r.value >= minCount && r.value > factor * baseline) {
        ctx.emit(
          {
            key: `topic:${k}`,
            start: r.start,
            end: r.end,
            value: {
              kind: 'topic-spike',
              subject: k,
              count: r.value,
              baseline,
              message: `${k}: ${r.value} RSVPs in a minute, ${baseline.toFixed(1)}/min over the 10 minutes before`,
            },
            final: true,
          },
          `topic:${k}`,
        );
      }
    },
    ...keep(counts, dirty),
  };
}
