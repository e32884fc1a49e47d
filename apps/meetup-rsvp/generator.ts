/**
 * A synthetic RSVP stream with the shape of the real one, for demos without a capture and for load:
 * groups in real cities (with coordinates) drawn with country weights close to the 2017 capture
 * (us, gb, au, de, ca, ... first), group topics drawn from a Zipf law (a few topics are everywhere, a
 * long tail is rare), about 3 yes for 1 no, mostly no guests, and the stream's habits: about one RSVP
 * in seven is re-emitted later with a change (yes ↔ no, guests), and a few are re-emitted
 * byte-identically. Seeded: the same seed gives the same stream.
 */

import type { Rsvp } from './schema.ts';

/** A small fast PRNG (mulberry32): deterministic per seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [country, city, lat, lon, weight] */
const CITIES: [string, string, number, number, number][] = [
  ['us', 'New York', 40.71, -74.01, 90],
  ['us', 'San Francisco', 37.77, -122.42, 60],
  ['us', 'Chicago', 41.88, -87.63, 40],
  ['us', 'Austin', 30.27, -97.74, 30],
  ['us', 'Seattle', 47.61, -122.33, 30],
  ['us', 'Atlanta', 33.75, -84.39, 25],
  ['us', 'Boston', 42.36, -71.06, 25],
  ['us', 'Denver', 39.74, -104.99, 20],
  ['gb', 'London', 51.51, -0.13, 110],
  ['gb', 'Manchester', 53.48, -2.24, 20],
  ['gb', 'Edinburgh', 55.95, -3.19, 12],
  ['au', 'Sydney', -33.87, 151.21, 50],
  ['au', 'Melbourne', -37.81, 144.96, 40],
  ['de', 'Berlin', 52.52, 13.4, 30],
  ['de', 'Munich', 48.14, 11.58, 15],
  ['ca', 'Toronto', 43.65, -79.38, 30],
  ['ca', 'Vancouver', 49.28, -123.12, 15],
  ['fr', 'Paris', 48.86, 2.35, 25],
  ['nl', 'Amsterdam', 52.37, 4.9, 18],
  ['es', 'Madrid', 40.42, -3.7, 15],
  ['es', 'Barcelona', 41.39, 2.17, 12],
  ['in', 'Bangalore', 12.97, 77.59, 20],
  ['jp', 'Tokyo', 35.68, 139.69, 15],
  ['sg', 'Singapore', 1.35, 103.82, 10],
  ['br', 'São Paulo', -23.55, -46.63, 10],
  ['ie', 'Dublin', 53.35, -6.26, 10],
  ['se', 'Stockholm', 59.33, 18.07, 8],
  ['it', 'Milan', 45.46, 9.19, 8],
  ['il', 'Tel Aviv', 32.09, 34.78, 8],
  ['nz', 'Auckland', -36.85, 174.76, 6],
  ['mx', 'Mexico City', 19.43, -99.13, 6],
  ['za', 'Cape Town', -33.92, 18.42, 4],
  ['pl', 'Warsaw', 52.23, 21.01, 5],
  ['ch', 'Zurich', 47.38, 8.54, 5],
];

const TOPICS = [
  'socialnetwork',
  'newintown',
  'nightlife',
  'softwaredev',
  'outdoors',
  'fitness',
  'hiking',
  'singles',
  'self-improvement',
  'entrepreneurship',
  'book-club',
  'language-exchange',
  'wine',
  'dining-out',
  'photography',
  'javascript',
  'startup-businesses',
  'data-science',
  'yoga',
  'meditation',
  'travel',
  'board-games',
  'running',
  'cycling',
  'music',
  'live-music',
  'film',
  'tech',
  'python',
  'machine-learning',
  'women-in-tech',
  'blockchain',
  'investing',
  'real-estate',
  'volunteering',
  'dancing',
  'salsa',
  'art',
  'writing',
  'comedy',
  'improv',
  'public-speaking',
  'parents',
  'dogs',
  'soccer',
  'tennis',
  'climbing',
  'kayaking',
  'camping',
  'cooking',
];

export interface RsvpGeneratorOptions {
  seed?: number;
  /** Event time (mtime) of the first RSVP, ms. Default: now. */
  startTime?: number;
  /** RSVPs per second of event time. Default 50. */
  rate?: number;
  /** Number of groups. Default 5,000. */
  groups?: number;
  /** Distinct topics (the Zipf law's support; names repeat with a suffix past the built-in list). Default 500. */
  topics?: number;
  /** Zipf exponent of topic popularity. Default 1.1. */
  zipf?: number;
  /** Id of the first new RSVP (default 1e9): a resumed stream starts past the ids it used. */
  firstRsvpId?: number;
}

interface Group {
  id: number;
  name: string;
  urlname: string;
  country: string;
  city: string;
  lat: number;
  lon: number;
  topics: { urlkey: string; topic_name: string }[];
  events: { id: string; name: string }[];
}

/**
 * Generates RSVPs.
 *
 * @example
 * const gen = new RsvpGenerator({ seed: 7, rate: 100 });
 * for (let i = 0; i < 1000; i++) { const { rsvp, json } = gen.next(); ... }
 */
export class RsvpGenerator {
  readonly #random: () => number;
  readonly #groups: Group[];
  readonly #cityCdf: number[];
  readonly #topicCdf: number[];
  readonly #topicNames: string[];
  readonly #start: number;
  readonly #stepMs: number;
  #n = 0;
  #nextRsvp: number;
  /** RSVPs waiting to be re-emitted: [due index, rsvp json or object]. */
  readonly #pending: [number, Rsvp, boolean][] = [];

  constructor(options: RsvpGeneratorOptions = {}) {
    this.#random = rng(options.seed ?? 1);
    this.#start = options.startTime ?? Date.now();
    this.#nextRsvp = options.firstRsvpId ?? 1_000_000_000;
    this.#stepMs = 1000 / (options.rate ?? 50);
    const nTopics = options.topics ?? 500;
    this.#topicNames = Array.from({ length: nTopics }, (_, i) =>
      i < TOPICS.length ? TOPICS[i] : `${TOPICS[i % TOPICS.length]}-${Math.floor(i / TOPICS.length)}`,
    );
    const s = options.zipf ?? 1.1;
    this.#topicCdf = cdf(this.#topicNames.map((_, i) => 1 / (i + 1) ** s));
    this.#cityCdf = cdf(CITIES.map((c) => c[4]));
    this.#groups = Array.from({ length: options.groups ?? 5000 }, (_, i) => this.#group(i));
  }

  #pick(c: number[]): number {
    const u = this.#random() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #group(i: number): Group {
    const [country, city, lat, lon] = CITIES[this.#pick(this.#cityCdf)];
    const n = 1 + Math.floor(this.#random() * 5);
    const topics = new Map<string, string>();
    for (let k = 0; k < n; k++) {
      const t = this.#topicNames[this.#pick(this.#topicCdf)];
      topics.set(t, t.replace(/-/g, ' '));
    }
    const first = [...topics.keys()][0];
    const id = 10_000_000 + i * 7919;
    return {
      id,
      name: `${city} ${first.replace(/-/g, ' ')} group ${i}`,
      urlname: `${city.replace(/\W/g, '-')}-${first}-${i}`,
      country,
      city,
      lat: Math.round((lat + (this.#random() - 0.5) * 0.2) * 100) / 100,
      lon: Math.round((lon + (this.#random() - 0.5) * 0.2) * 100) / 100,
      topics: [...topics].map(([urlkey, topic_name]) => ({ urlkey, topic_name })),
      events: Array.from({ length: 1 + Math.floor(this.#random() * 3) }, (_, e) => ({
        id: `ev${id}x${e}`,
        name: `${first.replace(/-/g, ' ')} meetup #${e + 1}`,
      })),
    };
  }

  /** The next message of the stream: an RSVP and its JSON text (the bytes a source would receive). */
  next(): { rsvp: Rsvp; json: string } {
    const i = this.#n++;
    // Jitter of up to 2 s: the stream is not in mtime order.
    const mtime = Math.floor(this.#start + i * this.#stepMs - this.#random() * 2000);
    const due = this.#pending.length > 0 && this.#pending[0][0] <= i ? this.#pending.shift() : undefined;
    let rsvp: Rsvp;
    if (due) {
      const [, prev, identical] = due;
      rsvp = identical
        ? prev
        : {
            ...prev,
            mtime: Math.max(mtime, prev.mtime + 1),
            response: this.#random() < 0.6 ? (prev.response === 'yes' ? 'no' : 'yes') : prev.response,
            guests: this.#random() < 0.5 ? prev.guests : this.#guests(),
          };
    } else {
      const g = this.#groups[Math.floor(this.#random() ** 1.5 * this.#groups.length)];
      const ev = g.events[Math.floor(this.#random() * g.events.length)];
      const member = 1 + Math.floor(this.#random() * 5_000_000);
      rsvp = {
        visibility: 'public',
        response: this.#random() < 0.75 ? 'yes' : 'no',
        guests: this.#guests(),
        member: { member_id: member, member_name: `member ${member}` },
        rsvp_id: this.#nextRsvp++,
        mtime,
        event: { event_name: ev.name, event_id: ev.id, time: mtime + 86_400_000 * 3 },
        group: {
          group_topics: g.topics,
          group_city: g.city,
          group_country: g.country,
          group_id: g.id,
          group_name: g.name,
          group_lon: g.lon,
          group_urlname: g.urlname,
          group_lat: g.lat,
        },
      };
      const u = this.#random();
      // About 1 in 7 RSVPs changes later, 1 in 200 is re-emitted as is.
      if (u < 0.14 || u > 0.995) {
        this.#pending.push([i + 1 + Math.floor(this.#random() * 200), rsvp, u > 0.995]);
        this.#pending.sort((a, b) => a[0] - b[0]);
      }
    }
    return { rsvp, json: JSON.stringify(rsvp) };
  }

  #guests(): number {
    const u = this.#random();
    return u < 0.93 ? 0 : u < 0.98 ? 1 : u < 0.995 ? 2 : 3 + Math.floor(this.#random() * 4);
  }
}

function cdf(weights: number[]): number[] {
  let total = 0;
  return weights.map((w) => {
    total += w;
    return total;
  });
}
