/**
 * Synthetic connection records with the NSL-KDD schema, for running the app when no NSL-KDD file is
 * at hand. Each attack name has a profile — protocol, services, flags and the traffic statistics that
 * characterise it (a SYN flood's half-open connections to many services of one host, a smurf's
 * 1,032-byte ICMP echo replies, a port sweep's rejected probes...) — drawn with noise; the profiles
 * and the class mix follow KDDTrain+_20Percent.txt (53 % normal, 37 % DoS, 9 % Probe, 0.8 % R2L,
 * 0.04 % U2R). It is a stand-in for demos and tests, not a benchmark: classes are easier to separate
 * than in the real data, so accuracy on it says little about real traffic.
 *
 * Deterministic for a seed (Java's LCG, as the MOA generators), so a test can pin its results.
 */

import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { JavaRandom, StreamsightError } from '../../src/index.ts';
import { COLUMNS, type Connection, FEATURES } from './schema.ts';

type Feature = (typeof FEATURES)[number];

/**
 * How a record's numeric feature is drawn: a constant, or a draw from the generator given the
 * features drawn so far and whether the record fell in its profile's `split`.
 */
type Value = number | ((r: Rng, row: Record<string, number | string>, split: boolean) => number);

/** An integer in [a, b]. */
function int(a: number, b: number): Value {
  return (r) => r.int(a, b);
}
/** A rate around `center` (± spread), clamped to [0, 1], two decimals. */
function rate(center: number, spread?: number): Value {
  return (r) => r.rate(center, spread);
}
/** Log-normal around a median. */
function bytes(median: number, sigma?: number): Value {
  return (r) => r.bytes(median, sigma);
}
/** `then` with probability `p`, else `otherwise`: the coin is tossed first, then only the chosen side draws. */
function maybe(p: number, then: Value, otherwise: Value = 0): Value {
  return (r, row, split) => draw(r.chance(p) ? then : otherwise, r, row, split);
}
/** The value of a feature drawn earlier in the same record. */
function sameAs(feature: Feature): Value {
  return (_r, row) => row[feature] as number;
}
/** `value` in records of the profile's split, 0 (no draw) in the others. */
function inSplit(value: Value): Value {
  return (r, row, split) => (split ? draw(value, r, row, split) : 0);
}
/** `value` in records outside the profile's split, 0 (no draw) in the others. */
function outOfSplit(value: Value): Value {
  return (r, row, split) => (split ? 0 : draw(value, r, row, split));
}

function draw(value: Value, r: Rng, row: Record<string, number | string>, split: boolean): number {
  return typeof value === 'number' ? value : value(r, row, split);
}

interface Profile {
  attack: string;
  /** Records per 25,192 in KDDTrain+_20Percent.txt. */
  weight: number;
  protocol: Record<string, number>;
  service: Record<string, number>;
  flag: Record<string, number>;
  /** The share of records of a first variant, decided before the numbers are drawn (`inSplit`). */
  split?: number;
  /** The numeric features, drawn in this order; the others are 0. */
  numbers: Partial<Record<Feature, Value>>;
  /** Difficulty: how many of 21 reference learners get such records right (a range). */
  difficulty: [number, number];
}

class Rng {
  readonly #r: JavaRandom;
  constructor(seed: number) {
    this.#r = new JavaRandom(seed);
  }
  next(): number {
    return this.#r.nextDouble();
  }
  /** An integer in [a, b]. */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }
  /** A rate around `center` (± spread), clamped to [0, 1], two decimals as in the files. */
  rate(center: number, spread = 0.05): number {
    const x = center + (this.next() * 2 - 1) * spread;
    return Math.round(Math.min(1, Math.max(0, x)) * 100) / 100;
  }
  /** Log-normal around a median. */
  bytes(median: number, sigma = 1): number {
    return Math.round(median * Math.exp(sigma * this.#r.nextGaussian()));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick(weights: Record<string, number>): string {
    const entries = Object.entries(weights);
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1][0];
  }
}

const PROFILES: Profile[] = [
  {
    attack: 'normal',
    weight: 13449,
    protocol: { tcp: 10681, udp: 2507, icmp: 261 },
    service: {
      http: 7564,
      domain_u: 1817,
      smtp: 1390,
      ftp_data: 1001,
      private: 500,
      other: 450,
      ftp: 300,
      telnet: 150,
      eco_i: 120,
      urp_i: 100,
      ntp_u: 57,
    },
    flag: { SF: 12663, REJ: 515, S1: 86, S0: 80, RSTO: 50 },
    difficulty: [15, 21],
    numbers: {
      duration: maybe(0.9, 0, int(1, 3000)),
      src_bytes: bytes(234, 0.8),
      dst_bytes: maybe(0.2, 0, bytes(1500, 1.2)),
      logged_in: maybe(0.71, 1),
      hot: maybe(0.05, int(1, 6)),
      num_compromised: maybe(0.01, 1),
      num_file_creations: maybe(0.01, 1),
      is_guest_login: maybe(0.012, 1),
      count: int(1, 30),
      srv_count: int(1, 40),
      rerror_rate: maybe(0.04, rate(0.8, 0.2)),
      same_srv_rate: rate(0.97, 0.05),
      diff_srv_rate: rate(0.02, 0.03),
      srv_diff_host_rate: maybe(0.2, rate(0.5, 0.5)),
      dst_host_count: int(1, 255),
      dst_host_srv_count: int(20, 255),
      dst_host_same_srv_rate: rate(0.85, 0.2),
      dst_host_diff_srv_rate: rate(0.03, 0.05),
      dst_host_same_src_port_rate: rate(0.1, 0.15),
      dst_host_srv_diff_host_rate: rate(0.02, 0.04),
      dst_host_rerror_rate: maybe(0.05, rate(0.5, 0.5)),
      dst_host_srv_rerror_rate: maybe(0.05, rate(0.5, 0.5)),
    },
  },
  {
    attack: 'neptune',
    weight: 8282,
    protocol: { tcp: 1 },
    service: {
      private: 3029,
      telnet: 252,
      ftp_data: 249,
      finger: 238,
      http: 200,
      smtp: 180,
      other: 900,
      uucp: 180,
      csnet_ns: 170,
      imap4: 160,
    },
    flag: { S0: 6900, REJ: 1142, RSTO: 240 },
    difficulty: [18, 21],
    split: 0.83, // SYN flood (S0, serror) or rejected (REJ, rerror)
    numbers: {
      count: int(60, 300),
      srv_count: int(1, 30),
      serror_rate: inSplit(rate(0.98, 0.04)),
      srv_serror_rate: inSplit(rate(0.98, 0.04)),
      rerror_rate: outOfSplit(rate(0.98, 0.04)),
      srv_rerror_rate: outOfSplit(rate(0.98, 0.04)),
      same_srv_rate: rate(0.07, 0.06),
      diff_srv_rate: rate(0.06, 0.04),
      dst_host_count: 255,
      dst_host_srv_count: int(1, 30),
      dst_host_same_srv_rate: rate(0.05, 0.05),
      dst_host_diff_srv_rate: rate(0.07, 0.04),
      dst_host_serror_rate: inSplit(rate(0.98, 0.04)),
      dst_host_srv_serror_rate: inSplit(rate(0.98, 0.04)),
      dst_host_rerror_rate: outOfSplit(rate(0.98, 0.04)),
      dst_host_srv_rerror_rate: outOfSplit(rate(0.98, 0.04)),
    },
  },
  {
    attack: 'smurf',
    weight: 529,
    protocol: { icmp: 1 },
    service: { ecr_i: 1 },
    flag: { SF: 1 },
    difficulty: [15, 21],
    numbers: {
      count: int(100, 511), // drawn first: srv_count repeats it
      src_bytes: maybe(0.7, 1032, 520),
      srv_count: sameAs('count'),
      same_srv_rate: 1,
      dst_host_count: int(150, 255),
      dst_host_srv_count: int(50, 255),
      dst_host_same_srv_rate: rate(0.7, 0.3),
      dst_host_diff_srv_rate: rate(0.03, 0.03),
      dst_host_same_src_port_rate: rate(0.7, 0.3),
    },
  },
  {
    attack: 'back',
    weight: 196,
    protocol: { tcp: 1 },
    service: { http: 1 },
    flag: { SF: 169, RSTR: 23, S2: 4 },
    difficulty: [10, 20],
    numbers: {
      src_bytes: maybe(0.9, 54540, int(30000, 54540)),
      dst_bytes: int(7000, 8315),
      hot: 2,
      logged_in: 1,
      num_compromised: maybe(0.9, 1),
      count: int(1, 11),
      srv_count: int(1, 11),
      same_srv_rate: 1,
      dst_host_count: int(20, 255),
      dst_host_srv_count: int(20, 255),
      dst_host_same_srv_rate: 1,
      dst_host_rerror_rate: rate(0.05, 0.05),
      dst_host_srv_rerror_rate: rate(0.05, 0.05),
    },
  },
  {
    attack: 'teardrop',
    weight: 188,
    protocol: { udp: 1 },
    service: { private: 1 },
    flag: { SF: 1 },
    difficulty: [18, 21],
    numbers: {
      src_bytes: 28,
      wrong_fragment: 3,
      count: int(2, 192),
      srv_count: int(2, 99),
      same_srv_rate: rate(0.93, 0.07),
      dst_host_count: int(100, 255),
      dst_host_srv_count: int(2, 182),
      dst_host_same_srv_rate: rate(0.25, 0.2),
      dst_host_diff_srv_rate: rate(0.2, 0.2),
      dst_host_same_src_port_rate: rate(0.25, 0.2),
      dst_host_rerror_rate: rate(0.2, 0.2),
    },
  },
  {
    attack: 'pod',
    weight: 39,
    protocol: { icmp: 1 },
    service: { ecr_i: 36, tim_i: 2 },
    flag: { SF: 1 },
    difficulty: [10, 20],
    numbers: {
      src_bytes: 1480,
      wrong_fragment: 1,
      count: int(1, 20),
      srv_count: int(1, 20),
      same_srv_rate: 1,
      dst_host_count: int(1, 255),
      dst_host_srv_count: int(1, 155),
      dst_host_same_srv_rate: rate(0.5, 0.4),
      dst_host_same_src_port_rate: rate(0.5, 0.4),
    },
  },
  {
    attack: 'satan',
    weight: 691,
    protocol: { tcp: 418, udp: 264, icmp: 9 },
    service: { private: 396, other: 233, ftp_data: 7, smtp: 4, finger: 10 },
    flag: { REJ: 379, SF: 297, S0: 13, RSTO: 2 },
    difficulty: [12, 21],
    numbers: {
      count: int(1, 511),
      srv_count: int(1, 20),
      serror_rate: rate(0.05, 0.05),
      rerror_rate: rate(0.55, 0.45),
      srv_rerror_rate: rate(0.55, 0.45),
      same_srv_rate: rate(0.2, 0.2),
      diff_srv_rate: rate(0.65, 0.35),
      dst_host_count: 255,
      dst_host_srv_count: int(1, 30),
      dst_host_same_srv_rate: rate(0.05, 0.05),
      dst_host_diff_srv_rate: rate(0.65, 0.35),
      dst_host_same_src_port_rate: rate(0.25, 0.25),
      dst_host_rerror_rate: rate(0.55, 0.45),
      dst_host_srv_rerror_rate: rate(0.55, 0.45),
    },
  },
  {
    attack: 'ipsweep',
    weight: 710,
    protocol: { icmp: 609, tcp: 101 },
    service: { eco_i: 606, private: 65, finger: 4, gopher: 4, http: 3 },
    flag: { SF: 622, REJ: 82, RSTO: 6 },
    difficulty: [12, 21],
    numbers: {
      src_bytes: maybe(0.9, 8, int(1, 100)),
      count: int(1, 2),
      srv_count: int(5, 52),
      same_srv_rate: 1,
      srv_diff_host_rate: rate(0.7, 0.3),
      dst_host_count: int(1, 72),
      dst_host_srv_count: int(20, 255),
      dst_host_same_srv_rate: rate(0.87, 0.13),
      dst_host_diff_srv_rate: rate(0.14, 0.14),
      dst_host_same_src_port_rate: rate(0.87, 0.13),
      dst_host_srv_diff_host_rate: rate(0.53, 0.4),
    },
  },
  {
    attack: 'portsweep',
    weight: 587,
    protocol: { tcp: 586, icmp: 1 },
    service: { private: 388, other: 100, supdup: 5, time: 4, ftp: 4 },
    flag: { RSTR: 446, REJ: 98, RSTOS0: 21, S0: 15 },
    difficulty: [10, 21],
    numbers: {
      duration: maybe(0.5, int(1, 40000)),
      count: int(1, 60),
      srv_count: int(1, 3),
      rerror_rate: rate(0.95, 0.05),
      srv_rerror_rate: rate(0.95, 0.05),
      same_srv_rate: rate(0.8, 0.2),
      diff_srv_rate: rate(0.18, 0.18),
      dst_host_count: 255,
      dst_host_srv_count: int(1, 3),
      dst_host_same_srv_rate: rate(0.01, 0.01),
      dst_host_diff_srv_rate: rate(0.55, 0.3),
      dst_host_same_src_port_rate: rate(0.75, 0.25),
      dst_host_rerror_rate: rate(0.75, 0.25),
      dst_host_srv_rerror_rate: rate(0.94, 0.06),
    },
  },
  {
    attack: 'nmap',
    weight: 301,
    protocol: { icmp: 208, udp: 51, tcp: 42 },
    service: { eco_i: 205, private: 86, ecr_i: 3 },
    flag: { SF: 259, SH: 42 },
    difficulty: [10, 21],
    numbers: {
      src_bytes: maybe(0.8, 8, int(1, 215)),
      count: int(1, 3),
      srv_count: int(5, 52),
      serror_rate: maybe(0.14, 1),
      srv_serror_rate: maybe(0.14, 1),
      same_srv_rate: 1,
      srv_diff_host_rate: rate(0.65, 0.35),
      dst_host_count: int(1, 255),
      dst_host_srv_count: int(20, 255),
      dst_host_same_srv_rate: rate(0.8, 0.2),
      dst_host_diff_srv_rate: rate(0.13, 0.13),
      dst_host_same_src_port_rate: rate(0.93, 0.07),
      dst_host_srv_diff_host_rate: rate(0.17, 0.17),
    },
  },
  {
    attack: 'warezclient',
    weight: 181,
    protocol: { tcp: 1 },
    service: { ftp_data: 123, ftp: 57 },
    flag: { SF: 1 },
    difficulty: [8, 19],
    numbers: {
      duration: maybe(0.4, int(1, 15000)),
      src_bytes: bytes(2000, 2),
      dst_bytes: maybe(0.7, 0, int(1, 2453)),
      hot: maybe(0.5, int(1, 28)),
      logged_in: 1,
      is_guest_login: maybe(0.32, 1),
      count: int(1, 3),
      srv_count: int(1, 7),
      same_srv_rate: 1,
      dst_host_count: int(1, 255),
      dst_host_srv_count: int(1, 142),
      dst_host_same_srv_rate: rate(0.75, 0.25),
      dst_host_same_src_port_rate: rate(0.66, 0.34),
      dst_host_srv_diff_host_rate: rate(0.09, 0.09),
    },
  },
  {
    attack: 'guess_passwd',
    weight: 10,
    protocol: { tcp: 1 },
    service: { telnet: 1 },
    flag: { RSTO: 1 },
    difficulty: [5, 15],
    numbers: {
      src_bytes: 126,
      dst_bytes: 179,
      hot: 1,
      num_failed_logins: 1,
      count: int(1, 2),
      srv_count: int(1, 2),
      rerror_rate: 1,
      srv_rerror_rate: 1,
      same_srv_rate: 1,
      dst_host_count: int(1, 47),
      dst_host_srv_count: int(1, 47),
      dst_host_same_srv_rate: 1,
      dst_host_rerror_rate: rate(0.9, 0.06),
      dst_host_srv_rerror_rate: rate(0.9, 0.06),
    },
  },
  {
    attack: 'warezmaster',
    weight: 7,
    protocol: { tcp: 1 },
    service: { ftp: 1 },
    flag: { SF: 1 },
    difficulty: [3, 15],
    numbers: {
      duration: int(0, 3000),
      src_bytes: bytes(300, 1),
      dst_bytes: bytes(3000000, 1),
      hot: int(0, 28),
      logged_in: 1,
      is_guest_login: maybe(0.5, 1),
      count: 1,
      srv_count: 1,
      same_srv_rate: 1,
      dst_host_count: int(1, 255),
      dst_host_srv_count: int(1, 30),
      dst_host_same_srv_rate: rate(0.5, 0.5),
    },
  },
  {
    attack: 'buffer_overflow',
    weight: 6,
    protocol: { tcp: 1 },
    service: { telnet: 4, ftp_data: 2 },
    flag: { SF: 1 },
    difficulty: [2, 12],
    numbers: {
      duration: int(20, 200),
      src_bytes: bytes(1600, 0.5),
      dst_bytes: bytes(5000, 0.6),
      hot: int(1, 5),
      logged_in: 1,
      num_compromised: int(1, 4),
      root_shell: maybe(0.67, 1),
      num_file_creations: maybe(0.33, 1),
      count: int(1, 2),
      srv_count: int(1, 2),
      same_srv_rate: 1,
      dst_host_count: int(1, 2),
      dst_host_srv_count: int(1, 80),
      dst_host_same_srv_rate: 1,
      dst_host_same_src_port_rate: rate(0.8, 0.2),
    },
  },
  {
    attack: 'rootkit',
    weight: 4,
    protocol: { tcp: 3, udp: 1 },
    service: { telnet: 2, ftp_data: 1, private: 1 },
    flag: { SF: 1 },
    difficulty: [1, 10],
    numbers: {
      duration: int(0, 100),
      src_bytes: bytes(500, 1),
      dst_bytes: bytes(2000, 1),
      hot: int(0, 3),
      logged_in: maybe(0.75, 1),
      num_compromised: int(0, 2),
      root_shell: maybe(0.5, 1),
      count: int(1, 3),
      srv_count: int(1, 3),
      same_srv_rate: 1,
      dst_host_count: int(1, 60),
      dst_host_srv_count: int(1, 60),
      dst_host_same_srv_rate: rate(0.6, 0.4),
    },
  },
];

const TOTAL_WEIGHT = PROFILES.reduce((n, p) => n + p.weight, 0);

/**
 * An endless, seeded stream of synthetic connections.
 *
 * @example
 * const gen = new SyntheticConnections({ seed: 7 });
 * gen.next().attack; // 'normal', 'neptune', ...
 */
export class SyntheticConnections {
  readonly #r: Rng;

  constructor(options: { seed?: number } = {}) {
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'synthetic connections: seed must be an integer', {
        details: { option: 'seed', value: seed },
      });
    }
    this.#r = new Rng(seed);
  }

  next(): Connection {
    const r = this.#r;
    let x = r.next() * TOTAL_WEIGHT;
    let p = PROFILES[0];
    for (const candidate of PROFILES) {
      x -= candidate.weight;
      if (x < 0) {
        p = candidate;
        break;
      }
    }
    const row: Record<string, number | string> = {};
    for (const f of FEATURES) row[f] = 0;
    row.protocol_type = r.pick(p.protocol);
    row.service = r.pick(p.service);
    row.flag = r.pick(p.flag);
    const split = p.split !== undefined && r.chance(p.split);
    for (const feature in p.numbers)
      row[feature] = draw(p.numbers[feature as Feature] as Value, r, row, split);
    row.attack = p.attack;
    row.difficulty = r.int(p.difficulty[0], p.difficulty[1]);
    return row as unknown as Connection;
  }
}

/** One connection as a line of an NSL-KDD file (43 comma-separated columns, no header). */
export function toNslKddLine(c: Connection): string {
  return COLUMNS.map((col) => {
    const v = (c as unknown as Record<string, number | string | undefined>)[col];
    return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v ?? 0);
  }).join(',');
}

/**
 * Writes `rows` synthetic connections as an NSL-KDD file: what the simulator and the tests use when
 * the real file is absent.
 *
 * @example
 * await writeSyntheticFile('/tmp/synthetic-kdd.txt', 25_192, 1);
 */
export async function writeSyntheticFile(path: string, rows: number, seed = 1): Promise<void> {
  if (!Number.isInteger(rows) || rows < 1) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'synthetic file: rows must be a positive integer', {
      details: { option: 'rows', value: rows },
    });
  }
  const gen = new SyntheticConnections({ seed });
  const out = createWriteStream(path);
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${toNslKddLine(gen.next())}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
}
