/**
 * The meetup-rsvp app end to end: lines replayed into `rsvps` (with malformed lines mixed in), the app
 * run bounded, the archive materialized into DuckDB and the batch reports run — then every view and
 * report compared with an independent reference computed from the same lines
 * (meetup-rsvp-reference.ts). On the real 2017 capture when ../shared is present, and always on the
 * synthetic generator.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { meetupApp, RSVP_TOPIC, replay } from '../../apps/meetup-rsvp/app.ts';
import { RsvpGenerator } from '../../apps/meetup-rsvp/generator.ts';
import { runReports } from '../../apps/meetup-rsvp/reports.ts';
import { RsvpSchema, RsvpZodSchema } from '../../apps/meetup-rsvp/schema.ts';
import { archivesCaughtUp, replayIntoApp } from '../../src/cli/commands/replay.ts';
import { createAppTopics, runApp, type WindowResult } from '../../src/index.ts';
import { materializeViews, openDuckDbViewStore } from '../../src/views/index.ts';
import { sharedData } from '../helpers/shared-data.ts';
import { readAll, tempLog } from '../helpers/temp-log.ts';
import { type Expected, reference } from './meetup-rsvp-reference.ts';

const OPTIONS = { partitions: 4, outOfOrdernessMs: 10_000, minCount: 2, top: 10 };

interface Outcome {
  views: Map<string, Map<string, unknown>>;
  deadLetters: { value: string; code: string; message: string }[];
  groupReport: Record<string, unknown>[];
  eventReport: Record<string, unknown>[];
  archived: number;
}

/** Replays `files` into a fresh app, runs it bounded, materializes and runs the reports. */
async function runOnFiles(files: string[]): Promise<Outcome> {
  const { log, cleanup } = await tempLog();
  const store = await openDuckDbViewStore({ path: ':memory:', threads: 1 });
  try {
    const app = meetupApp({
      trendingMinCount: OPTIONS.minCount,
      trendingTop: OPTIONS.top,
      surgeThreshold: 3,
    });
    await createAppTopics(app, log);
    const materializer = await materializeViews(app, store, { log, retainRows: true });
    for (const file of files) await replayIntoApp({ log, app, file, spec: replay, speed: 'max' });
    const running = await runApp(app, { log, bounded: true });
    await running.done;
    await archivesCaughtUp(log, app, 30_000);
    await materializer.flush();
    await runReports(store);
    await materializer.close();
    const views = new Map<string, Map<string, unknown>>();
    for (const [name, v] of app.views) views.set(name, new Map(v.rows()));
    const dead = await readAll(log, app.deadLetterTopic.name);
    const report = async (view: string) =>
      (await store.query(`SELECT * FROM ${view.replace('-', '_')}`, { app: app.name, maxRows: 100_000 }))
        .rows;
    const archived = Number(
      (await store.query('SELECT count(*) AS n FROM rsvps_archive', { app: app.name })).rows[0].n,
    );
    return {
      views,
      deadLetters: dead.map((r) => ({
        value: Buffer.from(r.value ?? new Uint8Array()).toString(),
        code: r.headers['ss-code'],
        message: r.headers['ss-message'],
      })),
      groupReport: await report('group-report'),
      eventReport: await report('event-report'),
      archived,
    };
  } finally {
    await store.close();
    await cleanup();
  }
}

type Row = WindowResult<string, Record<string, number>>;

function compare(out: Outcome, exp: Expected, validLines: number): void {
  // Dead letters: exactly the malformed lines, each with its reason.
  assert.deepEqual(out.deadLetters.map((d) => d.value).sort(), [...exp.malformed].sort());
  for (const d of out.deadLetters) {
    assert.equal(d.code, 'SS_ERR_MALFORMED_LINE');
    assert.match(d.message, /invalid-json/);
  }
  assert.equal(out.archived, validLines);

  // Responses per country and minute: final rows, activity and net change.
  const fields = ['yes', 'no', 'guests', 'attendees', 'net_yes', 'net_no', 'net_guests', 'net_attendees'];
  for (const [view, expected] of [
    ['country-minute', exp.countryMinute],
    ['world-minute', exp.worldMinute],
  ] as const) {
    const got = new Map<string, number[]>();
    for (const [id, r] of out.views.get(view)! as Map<string, Row>) {
      assert.equal(r.final, true, `${view} ${id} final`);
      got.set(
        id,
        fields.map((f) => r.value[f]),
      );
    }
    assert.deepEqual(got, expected, view);
  }
  // Running totals.
  const totals = new Map<string, number[]>();
  for (const [, r] of out.views.get('country-totals')! as Map<string, Record<string, number>>) {
    totals.set(String(r.country), [r.yes, r.no, r.guests, r.attendees]);
  }
  assert.deepEqual(totals, exp.countryTotals);
  const world = [...out.views.get('world-totals')!.values()] as Record<string, number>[];
  assert.deepEqual([world[0].yes, world[0].no, world[0].guests, world[0].attendees], exp.worldTotals);
  // Every distinct RSVP counts once, as its latest response.
  assert.equal(exp.worldTotals[0] + exp.worldTotals[1], exp.stats.distinctRsvps);

  // Trending (top n per window, min count), per country, rising.
  const trending = new Map<string, number[]>();
  for (const [id, r] of out.views.get('trending-topics')! as Map<string, Row>)
    trending.set(id, [r.value.count, r.value.rank]);
  assert.deepEqual(trending, exp.trending, 'trending-topics');
  const byCountry = new Map<string, number[]>();
  for (const [id, r] of out.views.get('country-trending')! as Map<string, Row>)
    byCountry.set(id, [r.value.count, r.value.rank]);
  assert.deepEqual(byCountry, exp.countryTrending, 'country-trending');
  const rising = new Map<string, number[]>();
  for (const [id, r] of out.views.get('rising-topics')! as Map<string, Row>)
    rising.set(id, [r.value.count, r.value.previous]);
  assert.deepEqual(rising, exp.rising, 'rising-topics');

  // Batch reports.
  const pick = (rows: Record<string, unknown>[], id: string, cols: string[]) =>
    new Map(rows.map((r) => [`${r.day}|${r[id]}`, Object.fromEntries(cols.map((c) => [c, r[c]]))]));
  const counts = ['day', 'responses', 'yes', 'no', 'guests', 'attendees', 'members'];
  assert.deepEqual(pick(out.groupReport, 'group_id', ['group_id', ...counts, 'events']), exp.groupReport);
  assert.deepEqual(pick(out.eventReport, 'event_id', ['event_id', ...counts]), exp.eventReport);
}

const capture = sharedData('meetup-rsvps', 'rsvps_2017-03.jsonl');
const malformedFile = sharedData('meetup-rsvps', 'rsvps_2017-03_malformed.txt');

test('meetup-rsvp: the 2017 capture replayed equals the reference (views, dead letters, reports)', async (t) => {
  if (!existsSync(capture)) {
    t.skip(
      `capture not found at ${capture} (set STREAMSIGHT_SHARED_DIR to the folder holding data/meetup-rsvps)`,
    );
    return;
  }
  const lines = readFileSync(capture, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const bad = readFileSync(malformedFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const exp = reference([...lines, ...bad], OPTIONS);
  assert.equal(exp.malformed.length, 6);
  // The capture's quirks are exercised: updates, identical re-emissions and weeks-old mtimes.
  assert.equal(exp.stats.distinctRsvps, 1256);
  assert.ok(exp.stats.repeats >= 6, `repeats ${exp.stats.repeats}`);
  assert.ok(exp.stats.late > 0, 'some versions arrive behind the watermark');
  assert.ok(exp.trending.size > 0 && exp.rising.size > 0 && exp.countryTrending.size > 0);
  const out = await runOnFiles([capture, malformedFile]);
  compare(out, exp, lines.length);

  // A yes turned into no moves the counts: RSVP 1658877373 (us) ends as no.
  const changed = lines.map((l) => JSON.parse(l)).filter((r) => r.rsvp_id === 1658877373);
  assert.deepEqual(
    changed.map((r) => r.response),
    ['yes', 'no'],
  );
});

test('meetup-rsvp: the synthetic stream equals the reference', async () => {
  const gen = new RsvpGenerator({
    seed: 42,
    rate: 4,
    startTime: Date.UTC(2024, 0, 1, 23, 50),
    groups: 300,
    topics: 60,
  });
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) lines.push(gen.next().json);
  // Malformed lines among them, and an RSVP that is JSON but fails the schema is not expected here.
  lines.splice(100, 0, '{"rsvp_id": 1, "response": "yes", ');
  lines.splice(2000, 0, "{'rsvp_id': 2}");
  const dir = join(process.env.TMPDIR ?? '/tmp');
  const file = join(dir, `meetup-synthetic-${process.pid}.jsonl`);
  await writeFile(file, `${lines.join('\n')}\n`);
  const exp = reference(lines, OPTIONS);
  assert.ok(exp.stats.versions > exp.stats.distinctRsvps, 'the generator re-emits changed RSVPs');
  assert.ok(exp.stats.repeats > 0, 'and identical ones');
  assert.ok(exp.trending.size > 0 && exp.groupReport.size > 0);
  const out = await runOnFiles([file]).finally(() => rm(file, { force: true }));
  compare(out, exp, lines.length - 2);
  // The run crossed midnight: two days in the reports.
  assert.equal(new Set(out.groupReport.map((r) => r.day)).size, 2);
});

test('meetup-rsvp: a record that is JSON but not an RSVP is a dead letter with the schema reason', async () => {
  const { log, cleanup } = await tempLog();
  try {
    const app = meetupApp();
    await createAppTopics(app, log);
    await log.append(RSVP_TOPIC, [
      { key: Buffer.from('1'), value: Buffer.from('{"rsvp_id": 1, "response": "maybe"}'), timestamp: 1 },
    ]);
    const running = await runApp(app, { log, bounded: true });
    await running.done;
    const dead = await readAll(log, app.deadLetterTopic.name);
    assert.equal(dead.length, 1);
    assert.equal(dead[0].headers['ss-code'], 'SS_ERR_SCHEMA');
    assert.match(dead[0].headers['ss-message'], /response/);
  } finally {
    await cleanup();
  }
});

test('meetup-rsvp: the schema fast path accepts exactly what zod accepts, with the same value', () => {
  const gen = new RsvpGenerator({ seed: 3, rate: 10, startTime: Date.UTC(2024, 0, 1) });
  const capture = sharedData('meetup-rsvps/rsvps_2017-03.jsonl');
  const samples: unknown[] = [];
  for (let i = 0; i < 200; i++) samples.push(JSON.parse(gen.next().json));
  if (existsSync(capture))
    for (const l of readFileSync(capture, 'utf8').split('\n').slice(0, 2000))
      if (l.startsWith('{')) samples.push(JSON.parse(l));
  // Mutations: every field the schema names (and a few it does not), set to values of other types.
  const paths = [
    ['rsvp_id'],
    ['response'],
    ['guests'],
    ['mtime'],
    ['visibility'],
    ['venue'],
    ['event'],
    ['group'],
    ['member'],
    ['event', 'event_id'],
    ['event', 'event_name'],
    ['event', 'event_url'],
    ['event', 'time'],
    ['group', 'group_id'],
    ['group', 'group_name'],
    ['group', 'group_urlname'],
    ['group', 'group_city'],
    ['group', 'group_country'],
    ['group', 'group_state'],
    ['group', 'group_lat'],
    ['group', 'group_lon'],
    ['group', 'group_topics'],
    ['member', 'member_id'],
    ['member', 'member_name'],
    ['venue', 'venue_id'],
    ['venue', 'venue_name'],
    ['extra'],
    ['group', 'group_topics', 0, 'urlkey'],
    ['group', 'group_topics', 0, 'topic_name'],
  ];
  const values = [
    undefined,
    null,
    '',
    'x',
    'us',
    'yes',
    'maybe',
    0,
    -1,
    1.5,
    1001,
    7,
    2 ** 60,
    true,
    [],
    {},
    [{}],
  ];
  let valid = 0;
  const check = (v: unknown) => {
    const fast = RsvpSchema['~standard'].validate(v) as { value?: unknown; issues?: unknown };
    const zod = RsvpZodSchema.safeParse(v);
    assert.equal(fast.issues === undefined, zod.success, JSON.stringify(v).slice(0, 300));
    if (zod.success) {
      valid++;
      assert.deepEqual(fast.value, zod.data);
    }
  };
  for (const s of samples.slice(0, 20)) {
    for (const path of paths) {
      for (const x of values) {
        const v = structuredClone(s) as Record<string | number, unknown>;
        let o: Record<string | number, unknown> | undefined = v;
        for (const k of path.slice(0, -1)) o = o?.[k] as Record<string | number, unknown> | undefined;
        if (o === null || typeof o !== 'object') continue;
        if (x === undefined) delete o[path[path.length - 1]];
        else o[path[path.length - 1]] = x;
        check(v);
      }
    }
  }
  for (const s of samples) check(s);
  for (const v of [null, 1, 'x', [], {}]) check(v);
  assert.ok(valid > samples.length);
});
