import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  FileReplay,
  type LogAppender,
  type MalformedLine,
  ManualClock,
  type ReplayOptions,
  type ReplayProgress,
  replayFile,
} from '../../src/io/index.ts';
import type { AppendResult, Log, ProducerRecord } from '../../src/log/index.ts';
import { readAll, type TempLog, tempLog } from '../helpers/temp-log.ts';

interface Landed {
  key: string | null;
  value: string;
  timestamp: number;
}

const decoder = new TextDecoder();

/** The real embedded log behind a spy that records every append call and how many overlap. */
class SpyLog implements LogAppender {
  readonly calls: { topic: string; size: number }[] = [];
  pending = 0;
  maxPending = 0;
  readonly #log: Log;

  constructor(log: Log) {
    this.#log = log;
  }

  async append(topic: string, records: ProducerRecord[]): Promise<AppendResult[]> {
    this.calls.push({ topic, size: records.length });
    this.maxPending = Math.max(this.maxPending, ++this.pending);
    try {
      return await this.#log.append(topic, records);
    } finally {
      this.pending--;
    }
  }

  /** Sizes of the appends to `topic`, in call order. */
  sizes(topic = 'events'): number[] {
    return this.calls.filter((c) => c.topic === topic).map((c) => c.size);
  }
}

let temp: TempLog;
let log: SpyLog;

beforeEach(async () => {
  temp = await tempLog();
  // One partition each, so that reading a topic back gives the file order.
  await temp.log.createTopic('events', { partitions: 1 });
  await temp.log.createTopic('audit', { partitions: 1 });
  log = new SpyLog(temp.log);
});

afterEach(async () => {
  await temp.cleanup();
});

async function landed(topic = 'events'): Promise<Landed[]> {
  return (await readAll(temp.log, topic)).map((r) => ({
    key: r.key === null ? null : decoder.decode(r.key),
    value: decoder.decode(r.value ?? new Uint8Array()),
    timestamp: r.timestamp,
  }));
}

async function file(name: string, content: string): Promise<string> {
  const path = join(temp.dir, name);
  await writeFile(path, content);
  return path;
}

/** JSON lines `{ id, user, t }` with t = the given times (default 0, 1, 2, ...). */
function jsonLines(
  count: number,
  time: (i: number) => number = (i) => i,
  user: (i: number) => string = () => 'u',
) {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ id: i, user: user(i), t: time(i) })).join(
    '\n',
  );
}

async function ids(topic = 'events'): Promise<number[]> {
  return (await landed(topic)).map((r) => (JSON.parse(r.value) as { id: number }).id);
}
const base = { topics: 'events', progressBar: false } as const;

describe('formats', () => {
  test('JSON lines: each line as the value, key and time from (nested) fields', async () => {
    const path = await file(
      'rsvps.jsonl',
      [
        '{"rsvp_id":1,"group":{"id":"g7"},"mtime":1489925474149}',
        '{"rsvp_id":2,"group":{"id":42},"mtime":"2017-03-19T12:11:14.000Z"}',
        '',
        '{"rsvp_id":3,"group":{"id":"g7"},"mtime":1489925474.5}',
      ].join('\r\n'),
    );
    const result = await replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      key: 'group.id',
      time: 'mtime',
      timeUnit: 'auto',
    });
    assert.deepEqual(result.records, 3);
    assert.deepEqual(await landed('events'), [
      {
        key: 'g7',
        value: '{"rsvp_id":1,"group":{"id":"g7"},"mtime":1489925474149}',
        timestamp: 1489925474149,
      },
      {
        key: '42',
        value: '{"rsvp_id":2,"group":{"id":42},"mtime":"2017-03-19T12:11:14.000Z"}',
        timestamp: 1489925474000,
      },
      {
        key: 'g7',
        value: '{"rsvp_id":3,"group":{"id":"g7"},"mtime":1489925474.5}',
        timestamp: 1489925474500,
      },
    ]);
  });

  test('text: each non-empty line as is, without key or time', async () => {
    const path = await file(
      'tweets.txt',
      '\ufeffi feel great;joy\r\n\r\n  spaced out  \nlast line without newline',
    );
    const before = Date.now();
    const result = await replayFile(log, { ...base, path, format: 'text' });
    assert.equal(result.records, 3);
    const records = await landed();
    assert.deepEqual(
      records.map((r) => [r.key, r.value]),
      [
        [null, 'i feel great;joy'],
        [null, '  spaced out  '],
        [null, 'last line without newline'],
      ],
    );
    // Without a time field, the log stamps records with the append time.
    for (const { timestamp } of records) assert.ok(timestamp >= before && timestamp <= Date.now());
  });

  test('CSV with a header: rows as JSON objects, key and time from columns, numbers cast on request', async () => {
    const path = await file(
      'tweets.csv',
      'tweet_id,airline,text,tweet_created\n' +
        '570306133677760513,Virgin America,"said ""hi"",\nthen left",2015-02-24 11:35:52 -0800\n' +
        '570301130888122368,United,ok,2015-02-24 11:15:59\n',
    );
    await replayFile(log, {
      ...base,
      path,
      format: 'csv',
      csv: { header: true },
      key: 'airline',
      time: 'tweet_created',
    });
    await replayFile(log, {
      ...base,
      topics: 'audit',
      path,
      format: 'csv',
      csv: { header: true, cast: true, columns: ['id', 'airline', 'text', 'created'] },
      key: 0,
    });
    assert.deepEqual(await landed('events'), [
      {
        key: 'Virgin America',
        value: JSON.stringify({
          tweet_id: '570306133677760513',
          airline: 'Virgin America',
          text: 'said "hi",\nthen left',
          tweet_created: '2015-02-24 11:35:52 -0800',
        }),
        timestamp: Date.UTC(2015, 1, 24, 19, 35, 52),
      },
      {
        key: 'United',
        value: JSON.stringify({
          tweet_id: '570301130888122368',
          airline: 'United',
          text: 'ok',
          tweet_created: '2015-02-24 11:15:59',
        }),
        // A date-time without a zone is UTC, whatever the machine's time zone.
        timestamp: Date.UTC(2015, 1, 24, 11, 15, 59),
      },
    ]);
    // Renamed columns; ids beyond 2^53 stay strings even with cast.
    assert.deepEqual(
      (await landed('audit')).map((r) => [r.key, JSON.parse(r.value).id]),
      [
        ['570306133677760513', '570306133677760513'],
        ['570301130888122368', '570301130888122368'],
      ],
    );
  });

  test('CSV without a header: rows as arrays, fields by index, another delimiter, numbers cast', async () => {
    const path = await file('ratings.csv', '1;31;2.5;1260759144\n1;1029;3;1260759179\n');
    await replayFile(log, {
      ...base,
      path,
      format: 'csv',
      csv: { delimiter: ';', cast: true },
      key: 1,
      time: 3,
      timeUnit: 's',
    });
    assert.deepEqual(await landed('events'), [
      { key: '31', value: '[1,31,2.5,1260759144]', timestamp: 1260759144000 },
      { key: '1029', value: '[1,1029,3,1260759179]', timestamp: 1260759179000 },
    ]);
  });

  test('skipLines skips leading lines, before a CSV header', async () => {
    const csv = await file('with-preamble.csv', '# exported 2024-01-01\n# by someone\nid,name\n1,a\n2,b\n');
    await replayFile(log, {
      ...base,
      path: csv,
      format: 'csv',
      skipLines: 2,
      csv: { header: true },
      key: 'name',
    });
    assert.deepEqual(
      (await landed('events')).map((r) => [r.key, r.value]),
      [
        ['a', '{"id":"1","name":"a"}'],
        ['b', '{"id":"2","name":"b"}'],
      ],
    );
    const jsonl = await file('with-preamble.jsonl', 'not json\nnot json either\n{"id":0}\n{"id":1}\n');
    const result = await replayFile(log, {
      ...base,
      topics: 'audit',
      path: jsonl,
      format: 'jsonl',
      skipLines: 2,
    });
    assert.deepEqual(result.malformed, 0);
    assert.deepEqual(await ids('audit'), [0, 1]);
  });
});

describe('modes', () => {
  test('max: appends in batches of batchSize, at most maxInFlight at a time, in file order', async () => {
    const path = await file('many.jsonl', jsonLines(1000));
    const clock = new ManualClock();
    const result = await replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      mode: { type: 'max', batchSize: 64, maxInFlight: 3 },
      clock,
    });
    assert.deepEqual(result, { records: 1000, malformed: 0, blocks: 16, durationMs: 0 });
    assert.deepEqual(log.sizes(), [...Array(15).fill(64), 40]);
    assert.equal(log.maxPending, 3);
    assert.deepEqual(
      await ids(),
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.deepEqual(clock.sleeps, []);
  });

  test('block: recordsPerBlock records every intervalMs', async () => {
    const path = await file('ten.jsonl', jsonLines(10));
    const clock = new ManualClock();
    const result = await replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      mode: { type: 'block', recordsPerBlock: 4, intervalMs: 1000 },
      clock,
    });
    assert.deepEqual(result, { records: 10, malformed: 0, blocks: 3, durationMs: 2000 });
    assert.deepEqual(log.sizes(), [4, 4, 2]);
    assert.deepEqual(clock.sleeps, [1000, 1000]);
  });

  test('block: stops after maxBlocks blocks', async () => {
    const path = await file('ten.jsonl', jsonLines(10));
    const clock = new ManualClock();
    const mode = { type: 'block', recordsPerBlock: 3, intervalMs: 500, maxBlocks: 2 } as const;
    const result = await replayFile(log, { ...base, path, format: 'jsonl', mode, clock });
    assert.deepEqual(result, { records: 6, malformed: 0, blocks: 2, durationMs: 500 });
    assert.deepEqual(await ids(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(clock.sleeps, [500]);
  });

  test('block: blocks keep a fixed schedule when appending takes time', async () => {
    const path = await file('ten.jsonl', jsonLines(9));
    const clock = new ManualClock();
    const slowLog: LogAppender = {
      append: async (topic, records) => {
        clock.advance(300);
        return log.append(topic, records);
      },
    };
    await replayFile(slowLog, {
      ...base,
      path,
      format: 'jsonl',
      mode: { type: 'block', recordsPerBlock: 3, intervalMs: 1000 },
      clock,
    });
    assert.deepEqual(clock.sleeps, [700, 700]);
  });

  test('block-by-group: a block never mixes groups; a new group opens the next block', async () => {
    const users = ['a', 'a', 'a', 'a', 'b', 'b', 'c', 'a', 'a'];
    const path = await file(
      'grouped.jsonl',
      jsonLines(users.length, undefined, (i) => users[i]),
    );
    const clock = new ManualClock();
    const result = await replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      mode: { type: 'block-by-group', groupBy: 'user', recordsPerBlock: 3, intervalMs: 100 },
      clock,
    });
    // a a a | a | b b | c | a a
    assert.deepEqual(log.sizes(), [3, 1, 2, 1, 2]);
    assert.equal(result.blocks, 5);
    assert.deepEqual(clock.sleeps, [100, 100, 100, 100]);
    assert.deepEqual(await ids(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('block-by-group on a headerless space-separated CSV (STREAMER style: the first column is the group)', async () => {
    const path = await file('cmapss.txt', '1 1 518.67\n1 2 518.67\n2 1 518.67\n2 2 518.67\n2 3 518.67\n');
    const clock = new ManualClock();
    await replayFile(log, {
      ...base,
      path,
      format: 'csv',
      csv: { delimiter: ' ' },
      mode: { type: 'block-by-group', groupBy: 0, recordsPerBlock: 10, intervalMs: 1000, maxBlocks: 2 },
      clock,
    });
    assert.deepEqual(log.sizes(), [2, 3]);
    assert.deepEqual(clock.sleeps, [1000]);
  });

  test('timestamp: waits (time gap / speed) before each record, batching those already due', async () => {
    const times = [5000, 5000, 6000, 8000, 8000, 7000, 15000];
    const path = await file(
      'timed.jsonl',
      jsonLines(times.length, (i) => times[i]),
    );
    const clock = new ManualClock(1_000_000);
    const result = await replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      time: 't',
      mode: { type: 'timestamp', speed: 10 },
      clock,
    });
    assert.deepEqual(clock.sleeps, [100, 200, 700]);
    // 5000 5000 | 6000 | 8000 8000 7000 (7000 is already due) | 15000
    assert.deepEqual(log.sizes(), [2, 1, 3, 1]);
    assert.deepEqual(result, { records: 7, malformed: 0, blocks: 4, durationMs: 1000 });
    // Records keep their own event time.
    assert.deepEqual(
      (await landed('events')).map((r) => r.timestamp),
      times,
    );
  });

  test("timestamp: speed 'max' does not wait, batches by batchSize", async () => {
    const path = await file(
      'timed.jsonl',
      jsonLines(10, (i) => i * 60_000),
    );
    const clock = new ManualClock();
    await replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      time: 't',
      mode: { type: 'timestamp', speed: 'max', batchSize: 4 },
      clock,
    });
    assert.deepEqual(clock.sleeps, []);
    assert.deepEqual(log.sizes(), [4, 4, 2]);
  });
});

test('fan-out: every record lands in every topic', async () => {
  const path = await file('ten.jsonl', jsonLines(10));
  const result = await replayFile(log, {
    ...base,
    topics: ['events', 'audit'],
    path,
    format: 'jsonl',
    key: 'id',
    mode: { type: 'max', batchSize: 3 },
  });
  assert.equal(result.records, 10);
  assert.deepEqual(await landed('audit'), await landed('events'));
  assert.equal((await landed('events')).length, 10);
});

test('malformed lines are reported with their line numbers and counted; the rest lands', async () => {
  const jsonl = await file(
    'mixed.jsonl',
    [
      '{"id":0,"user":"a","t":0}',
      "{'id':1}",
      '{"id":2,"t":2}',
      '{"id":3,"user":"c","t":"yesterday-ish"}',
      '{"id":4,"user":"d"}',
      '{"id":5,"user":"e","t":5}',
    ].join('\n'),
  );
  const reports: MalformedLine[] = [];
  const result = await replayFile(log, {
    ...base,
    path: jsonl,
    format: 'jsonl',
    key: 'user',
    time: 't',
    onMalformed: (m) => reports.push(m),
  });
  assert.deepEqual(result.records, 2);
  assert.deepEqual(result.malformed, 4);
  assert.deepEqual(await ids(), [0, 5]);
  assert.deepEqual(
    reports.map((r) => [r.lineNumber, r.code, r.line]),
    [
      [2, 'invalid-json', "{'id':1}"],
      [3, 'missing-field', '{"id":2,"t":2}'],
      [4, 'invalid-time', '{"id":3,"user":"c","t":"yesterday-ish"}'],
      [5, 'missing-field', '{"id":4,"user":"d"}'],
    ],
  );
  assert.match(reports[1].message, /key field "user"/);

  const csv = await file('mixed.csv', 'id,user\n1,a\n2\n3,c,extra\n4,"multi\nline",\n5,\n6,f\n');
  const csvReports: MalformedLine[] = [];
  const csvResult = await replayFile(log, {
    ...base,
    topics: 'audit',
    path: csv,
    format: 'csv',
    csv: { header: true },
    key: 'user',
    onMalformed: (m) => csvReports.push(m),
  });
  assert.deepEqual(
    (await landed('audit')).map((r) => r.key),
    ['a', 'f'],
  );
  assert.equal(csvResult.malformed, 4);
  assert.deepEqual(
    csvReports.map((r) => [r.lineNumber, r.code, r.line]),
    [
      [3, 'column-count', '2'],
      [4, 'column-count', '3,c,extra'],
      [5, 'column-count', '4,"multi\nline",'],
      [7, 'missing-field', '5,'],
    ],
  );
});

test('onProgress reports counts and bytes after each append', async () => {
  const lines = jsonLines(10).split('\n');
  lines.splice(7, 0, '{broken');
  const content = lines.join('\n');
  const path = await file('ten.jsonl', content);
  const progress: ReplayProgress[] = [];
  await replayFile(log, {
    ...base,
    path,
    format: 'jsonl',
    mode: { type: 'block', recordsPerBlock: 5, intervalMs: 10 },
    clock: new ManualClock(),
    onProgress: (p) => progress.push(p),
  });
  const totalBytes = Buffer.byteLength(content);
  assert.deepEqual(progress, [
    { records: 5, malformed: 0, blocks: 1, bytesRead: totalBytes, totalBytes },
    { records: 10, malformed: 1, blocks: 2, bytesRead: totalBytes, totalBytes },
  ]);
});

describe('abort', () => {
  test('aborting mid-replay stops it: SS_ERR_ABORTED with the counts, earlier blocks stay', async () => {
    const path = await file('ten.jsonl', jsonLines(10));
    const controller = new AbortController();
    const clock = new ManualClock();
    const replay = replayFile(log, {
      ...base,
      path,
      format: 'jsonl',
      mode: { type: 'block', recordsPerBlock: 3, intervalMs: 1000 },
      clock,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.blocks === 2) controller.abort(new Error('operator said stop'));
      },
    });
    await assert.rejects(replay, (err) => {
      assert.ok(isStreamsightError(err, 'SS_ERR_ABORTED'));
      assert.deepEqual(err.details, { records: 6, malformed: 0, blocks: 2 });
      assert.equal((err.cause as Error).message, 'operator said stop');
      return true;
    });
    assert.deepEqual(await ids(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(clock.sleeps, [1000]);
  });

  test('an abort ends a real wait between blocks at once', async () => {
    const path = await file('ten.jsonl', jsonLines(10));
    const started = Date.now();
    await assert.rejects(
      replayFile(log, {
        ...base,
        path,
        format: 'jsonl',
        mode: { type: 'block', recordsPerBlock: 5, intervalMs: 60_000 },
        signal: AbortSignal.timeout(50),
      }),
      (err) => isStreamsightError(err, 'SS_ERR_ABORTED'),
    );
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(await ids(), [0, 1, 2, 3, 4]);
  });

  test('an already aborted signal replays nothing', async () => {
    const path = await file('ten.jsonl', jsonLines(10));
    const signal = AbortSignal.abort();
    await assert.rejects(replayFile(log, { ...base, path, format: 'jsonl', signal }), (err) =>
      isStreamsightError(err, 'SS_ERR_ABORTED'),
    );
    assert.deepEqual(log.calls, []);
  });
});

describe('errors', () => {
  test('a missing file or a directory is SS_ERR_FILE', async () => {
    await assert.rejects(
      replayFile(log, { ...base, path: join(temp.dir, 'nope.csv'), format: 'csv' }),
      (err) => {
        return (
          isStreamsightError(err, 'SS_ERR_FILE') && (err.cause as NodeJS.ErrnoException).code === 'ENOENT'
        );
      },
    );
    await assert.rejects(replayFile(log, { ...base, path: temp.dir, format: 'text' }), (err) =>
      isStreamsightError(err, 'SS_ERR_FILE'),
    );
  });

  test('invalid options are SS_ERR_INVALID_OPTION at construction', () => {
    const ok: ReplayOptions = { ...base, path: 'x.csv', format: 'csv' };
    const bad: Record<string, unknown>[] = [
      { path: '' },
      { format: 'xml' },
      { topics: [] },
      { topics: ['a', 'a'] },
      { delimiter: ';' },
      { csv: { header: 'yes' } },
      { csv: { delimitter: ';' } },
      { key: 'name' }, // a name without header or columns
      { csv: { header: true }, key: 3 },
      { csv: { columns: ['a', 'b'] }, key: 'c' },
      { format: 'text', key: 0 },
      { time: 0, timeUnit: 'minutes' },
      { skipLines: -1 },
      { mode: { type: 'fast' } },
      { mode: { type: 'block', recordsPerBlock: 0, intervalMs: 10 } },
      { mode: { type: 'block', recordsPerBlock: 5, intervalMs: -1 } },
      { mode: { type: 'block', recordsPerBlock: 5, intervalMs: 10, maxBlocks: 0 } },
      { mode: { type: 'block-by-group', recordsPerBlock: 5, intervalMs: 10 } },
      { mode: { type: 'timestamp', speed: 10 } }, // without time
      { time: 0, mode: { type: 'timestamp', speed: 0 } },
      { mode: { type: 'max', batchSize: 1.5 } },
      { mode: { type: 'max', recordsPerBlock: 5 } },
      { signal: 'stop' },
      { clock: {} },
    ];
    for (const change of bad) {
      assert.throws(
        () => new FileReplay(log, { ...ok, ...change } as ReplayOptions),
        (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
        JSON.stringify(change),
      );
    }
    assert.doesNotThrow(() => new FileReplay(log, ok));
  });

  test('a named column missing from the header fails the run with SS_ERR_INVALID_OPTION', async () => {
    const path = await file('h.csv', 'id,name\n1,a\n');
    await assert.rejects(
      replayFile(log, { ...base, path, format: 'csv', csv: { header: true }, key: 'user' }),
      (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION') && /lacks \(id, name\)/.test(err.message),
    );
    assert.deepEqual(log.calls, []);
  });

  test('a failing append fails the run after in-flight appends settle', async () => {
    const path = await file('many.jsonl', jsonLines(100));
    await assert.rejects(
      replayFile(log, {
        ...base,
        topics: ['events', 'missing'],
        path,
        format: 'jsonl',
        mode: { type: 'max', batchSize: 10 },
      }),
      (err) => isStreamsightError(err, 'SS_ERR_TOPIC_NOT_FOUND'),
    );
  });
});

test('a FileReplay can run again, replaying the file anew', async () => {
  const path = await file('three.jsonl', jsonLines(3));
  const replay = new FileReplay(log, { ...base, path, format: 'jsonl' });
  await replay.run();
  await replay.run();
  assert.deepEqual(await ids(), [0, 1, 2, 0, 1, 2]);
});
