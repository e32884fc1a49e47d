/**
 * An independent reference for the meetup-rsvp app, computed straight from the raw lines in arrival
 * order, following the semantics documented in apps/meetup-rsvp/README.md — with plain loops and maps,
 * none of the app's operators. The e2e tests compare the app's views and reports with it.
 *
 * The only engine fact it borrows is where a record goes: partition = murmur2(group id as text) like
 * Kafka, because "on time" is judged against the highest mtime seen before in the same partition.
 */

import { partitionFor } from '../../src/log/partitioner.ts';

const MINUTE = 60_000;
const SIZE = 300_000;
const EVERY = 10_000;

interface Raw {
  rsvp_id: number;
  response: string;
  guests: number;
  mtime: number;
  event: { event_id: string; event_name: string; time?: number };
  group: {
    group_id: number;
    group_name: string;
    group_city: string;
    group_country: string;
    group_lat: number;
    group_lon: number;
    group_topics: { urlkey: string }[];
  };
  member: { member_id: number };
}

export interface Expected {
  /** Lines that are not JSON. */
  malformed: string[];
  /** `${country}@${minuteStart}` → [yes, no, guests, attendees, net_yes, net_no, net_guests, net_attendees] */
  countryMinute: Map<string, number[]>;
  worldMinute: Map<string, number[]>;
  /** country → [yes, no, guests, attendees] */
  countryTotals: Map<string, number[]>;
  worldTotals: number[];
  /** `${topic}@${start}` → [count, rank] */
  trending: Map<string, number[]>;
  /** `${country}|${topic}@${start}` → [count, rank within the country]: the top n per country */
  countryTrending: Map<string, number[]>;
  /** `${topic}@${minuteStart}` → [count, previous minute's count] */
  rising: Map<string, number[]>;
  /** `${day}|${group_id}` → row */
  groupReport: Map<string, Record<string, unknown>>;
  eventReport: Map<string, Record<string, unknown>>;
  stats: { versions: number; repeats: number; late: number; distinctRsvps: number };
}

export interface ReferenceOptions {
  partitions: number;
  outOfOrdernessMs: number;
  minCount: number;
  top: number;
}

const floorTo = (t: number, step: number) => t - (((t % step) + step) % step);

function add(map: Map<string, number[]>, key: string, values: number[]): void {
  const cur = map.get(key) ?? values.map(() => 0);
  for (let i = 0; i < values.length; i++) cur[i] += values[i];
  map.set(key, cur);
}

export function reference(lines: string[], o: ReferenceOptions): Expected {
  const malformed: string[] = [];
  const maxByPartition = new Map<number, number>();
  const last = new Map<
    number,
    { mtime: number; yes: number; guests: number; country: string; counted: boolean }
  >();
  const latestRaw = new Map<number, Raw>();
  const countryMinute = new Map<string, number[]>();
  const worldMinute = new Map<string, number[]>();
  const countryTotals = new Map<string, number[]>();
  const worldTotals = [0, 0, 0, 0];
  // topic → window start → rsvp ids; and country|topic
  const topicWindows = new Map<string, Map<number, Set<number>>>();
  const countryTopicWindows = new Map<string, Map<number, Set<number>>>();
  const topicMinutes = new Map<string, Map<number, Set<number>>>();
  const stats = { versions: 0, repeats: 0, late: 0, distinctRsvps: 0 };

  const addWindowed = (
    m: Map<string, Map<number, Set<number>>>,
    key: string,
    mtime: number,
    rsvp: number,
  ) => {
    let byStart = m.get(key);
    if (!byStart) m.set(key, (byStart = new Map()));
    for (let s = floorTo(mtime, EVERY); s > mtime - SIZE; s -= EVERY) {
      let set = byStart.get(s);
      if (!set) byStart.set(s, (set = new Set()));
      set.add(rsvp);
    }
  };

  for (const line of lines) {
    let r: Raw;
    try {
      r = JSON.parse(line);
    } catch {
      malformed.push(line);
      continue;
    }
    const partition = partitionFor(Buffer.from(String(r.group.group_id)), o.partitions);
    const max = maxByPartition.get(partition);
    const wm = max === undefined ? Number.NEGATIVE_INFINITY : max - o.outOfOrdernessMs;
    if (max === undefined || r.mtime > max) maxByPartition.set(partition, r.mtime);
    latestRaw.set(r.rsvp_id, r);

    const yes = r.response === 'yes' ? 1 : 0;
    const guests = yes ? r.guests : 0;
    const country = r.group.group_country.toLowerCase();
    const p = last.get(r.rsvp_id);
    if (p && p.mtime === r.mtime && p.yes === yes && p.guests === guests) {
      stats.repeats++;
      continue;
    }
    stats.versions++;
    const onTime = !(r.mtime < wm);
    if (!onTime) stats.late++;
    const ts = onTime ? r.mtime : wm;
    const minute = floorTo(ts, MINUTE);
    const contribution = [yes, 1 - yes, guests, yes * (1 + guests)];
    const activity = onTime ? [...contribution] : [0, 0, 0, 0];
    const net = [...contribution];
    if (p) {
      const old = [p.yes, 1 - p.yes, p.guests, p.yes * (1 + p.guests)];
      const sameWindow = onTime && p.counted && floorTo(p.mtime, MINUTE) === floorTo(r.mtime, MINUTE);
      if (p.country === country) {
        for (let i = 0; i < 4; i++) {
          net[i] -= old[i];
          if (sameWindow) activity[i] -= old[i];
        }
      } else {
        const retract = [...old.map((v) => (sameWindow ? -v : 0)), ...old.map((v) => -v)];
        add(countryMinute, `${p.country}@${minute}`, retract);
        add(worldMinute, `world@${minute}`, retract);
        add(countryTotals, p.country, retract.slice(4));
        for (let i = 0; i < 4; i++) worldTotals[i] += retract[4 + i];
      }
    }
    last.set(r.rsvp_id, { mtime: r.mtime, yes, guests, country, counted: onTime });
    add(countryMinute, `${country}@${minute}`, [...activity, ...net]);
    add(worldMinute, `world@${minute}`, [...activity, ...net]);
    add(countryTotals, country, net);
    for (let i = 0; i < 4; i++) worldTotals[i] += net[i];
    if (onTime) {
      for (const t of r.group.group_topics) {
        addWindowed(topicWindows, t.urlkey, r.mtime, r.rsvp_id);
        addWindowed(countryTopicWindows, `${country}|${t.urlkey}`, r.mtime, r.rsvp_id);
        let minutes = topicMinutes.get(t.urlkey);
        if (!minutes) topicMinutes.set(t.urlkey, (minutes = new Map()));
        const m = floorTo(r.mtime, MINUTE);
        if (!minutes.has(m)) minutes.set(m, new Set());
        minutes.get(m)!.add(r.rsvp_id);
      }
    }
  }
  stats.distinctRsvps = last.size;

  // Trending: per window, topics by count desc then key asc, the top n with count ≥ minCount.
  const byWindow = new Map<number, [string, number][]>();
  for (const [topic, starts] of topicWindows) {
    for (const [s, set] of starts) {
      if (!byWindow.has(s)) byWindow.set(s, []);
      byWindow.get(s)!.push([topic, set.size]);
    }
  }
  const trending = new Map<string, number[]>();
  for (const [s, list] of byWindow) {
    list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    list.slice(0, o.top).forEach(([topic, n], i) => {
      if (n >= o.minCount) trending.set(`${topic}@${s}`, [n, i + 1]);
    });
  }
  // Per-country trending: per window and country, topics by count desc then key asc, the top n with
  // count ≥ minCount, ranked within the country.
  const byCountryWindow = new Map<string, [string, number][]>();
  for (const [key, starts] of countryTopicWindows) {
    const [country, topic] = key.split('|');
    for (const [s, set] of starts) {
      const k = `${country}@${s}`;
      if (!byCountryWindow.has(k)) byCountryWindow.set(k, []);
      byCountryWindow.get(k)!.push([topic, set.size]);
    }
  }
  const countryTrending = new Map<string, number[]>();
  for (const [k, list] of byCountryWindow) {
    const [country, s] = k.split('@');
    list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    list
      .filter(([, n]) => n >= o.minCount)
      .slice(0, o.top)
      .forEach(([topic, n], i) => {
        countryTrending.set(`${country}|${topic}@${s}`, [n, i + 1]);
      });
  }
  // Rising: distinct RSVPs per topic and minute against the minute before.
  const rising = new Map<string, number[]>();
  for (const [topic, minutes] of topicMinutes) {
    for (const [m, set] of minutes) {
      const previous = minutes.get(m - MINUTE)?.size ?? 0;
      if (set.size >= o.minCount && set.size > previous) rising.set(`${topic}@${m}`, [set.size, previous]);
    }
  }

  // Batch reports over the latest version (arrival order) of each RSVP, by the UTC day of its mtime.
  const groupAcc = new Map<
    string,
    { row: Record<string, unknown>; members: Set<number>; events: Set<string> }
  >();
  const eventAcc = new Map<string, { row: Record<string, unknown>; members: Set<number> }>();
  for (const r of latestRaw.values()) {
    const day = r.mtime - (r.mtime % 86_400_000);
    const yes = r.response === 'yes' ? 1 : 0;
    const counts = [1, yes, 1 - yes, yes * r.guests, yes * (1 + r.guests)];
    const g = `${day}|${r.group.group_id}`;
    if (!groupAcc.has(g))
      groupAcc.set(g, {
        row: { day, group_id: r.group.group_id, responses: 0, yes: 0, no: 0, guests: 0, attendees: 0 },
        members: new Set(),
        events: new Set(),
      });
    const e = `${day}|${r.event.event_id}`;
    if (!eventAcc.has(e))
      eventAcc.set(e, {
        row: { day, event_id: r.event.event_id, responses: 0, yes: 0, no: 0, guests: 0, attendees: 0 },
        members: new Set(),
      });
    for (const acc of [groupAcc.get(g)!, eventAcc.get(e)!]) {
      const row = acc.row as Record<string, number>;
      ['responses', 'yes', 'no', 'guests', 'attendees'].forEach((f, i) => {
        row[f] += counts[i];
      });
      acc.members.add(r.member.member_id);
    }
    groupAcc.get(g)!.events.add(r.event.event_id);
  }
  const groupReport = new Map<string, Record<string, unknown>>();
  for (const [k, a] of groupAcc)
    groupReport.set(k, { ...a.row, members: a.members.size, events: a.events.size });
  const eventReport = new Map<string, Record<string, unknown>>();
  for (const [k, a] of eventAcc) eventReport.set(k, { ...a.row, members: a.members.size });

  return {
    malformed,
    countryMinute,
    worldMinute,
    countryTotals,
    worldTotals,
    trending,
    countryTrending,
    rising,
    groupReport,
    eventReport,
    stats,
  };
}
