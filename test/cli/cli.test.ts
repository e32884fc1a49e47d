import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli as cli, tempDir } from '../helpers/cli.ts';

describe('streamsight CLI', { timeout: 120_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('streamsight-cli-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects unknown flags with a clear message and exit code 2', async () => {
    const r = await cli(['topics', 'list', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  it('rejects bad flag values with exit code 2', async () => {
    const r = await cli(['--data-dir', dir, 'topics', 'create', 't', '--partitions', 'many']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /SS_ERR_INVALID_ARGUMENT.*--partitions/);
    const unknownApp = await cli(['--data-dir', dir, 'run', 'no-such-app']);
    assert.equal(unknownApp.code, 2);
    assert.match(unknownApp.stderr, /SS_ERR_APP_NOT_FOUND/);
  });

  it('creates, lists and describes topics', async () => {
    assert.equal((await cli(['--data-dir', dir, 'topics', 'create', 'clicks', '--partitions', '3'])).code, 0);
    const list = await cli(['--data-dir', dir, 'topics', 'list', '--json']);
    assert.equal(list.code, 0);
    const topics = JSON.parse(list.stdout) as Array<{ name: string; partitions: unknown[] }>;
    assert.equal(topics.find((t) => t.name === 'clicks')?.partitions.length, 3);
    const missing = await cli(['--data-dir', dir, 'topics', 'describe', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /SS_ERR_TOPIC_NOT_FOUND/);
  });

  it('replays a file with produce and shows it with tail, reporting malformed lines', async () => {
    const file = join(dir, 'clicks.jsonl');
    const lines = [
      '{"user":"ann","at":1000}',
      '{"user":"bob","at":2000}',
      'not json',
      '{"user":"ann","at":3000}',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    assert.equal(
      (await cli(['--data-dir', dir, 'topics', 'create', 'replayed', '--partitions', '2'])).code,
      0,
    );
    const produced = await cli([
      '--data-dir',
      dir,
      'produce',
      file,
      '--topic',
      'replayed',
      '--key',
      'user',
      '--time',
      'at',
      '--quiet',
    ]);
    assert.equal(produced.code, 0, produced.stderr);
    assert.match(produced.stdout, /produced 3 records to replayed.*1 malformed/);
    assert.match(produced.stderr, /line 3: invalid-json/);
    const tail = await cli(['--data-dir', dir, 'topics', 'tail', 'replayed', '--key', 'ann']);
    assert.equal(tail.code, 0, tail.stderr);
    const shown = tail.stdout.trim().split('\n');
    assert.equal(shown.length, 2);
    assert.match(shown[0], /1970-01-01T00:00:01.000Z key=ann \{"user":"ann","at":1000\}/);
    const badMode = await cli(['--data-dir', dir, 'produce', file, '--topic', 'replayed', '--mode', 'block']);
    assert.equal(badMode.code, 2);
    assert.match(badMode.stderr, /--mode block needs --block-size/);
  });

  it('runs the demo, stops cleanly on Ctrl-C and resumes where it stopped', async () => {
    const data = join(dir, 'demo');
    const first = await cli(['--data-dir', data, 'run', '--workers', '1', '--rate', '2000'], {
      onStdout: (text, child) => {
        if (/hot items/.test(text) && child.exitCode === null && !child.killed) child.kill('SIGINT');
      },
    });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /stopped cleanly/);
    const before = JSON.parse(
      (await cli(['--data-dir', data, 'topics', 'describe', 'nexmark-events', '--json'])).stdout,
    );
    const ends = (d: { partitions: Array<{ endOffset: number }> }) =>
      d.partitions.reduce((n, p) => n + p.endOffset, 0);
    const lag = (d: { groups: Record<string, Record<string, number>> }) => d.groups;
    assert.ok(ends(before) > 0);
    assert.ok(Object.keys(lag(before)).length >= 3, 'every pipeline committed its position');

    const second = await cli([
      '--data-dir',
      data,
      'run',
      '--workers',
      '1',
      '--rate',
      '2000',
      '--duration',
      '3',
    ]);
    assert.equal(second.code, 0, second.stderr);
    const afterRun = JSON.parse(
      (await cli(['--data-dir', data, 'topics', 'describe', 'nexmark-events', '--json'])).stdout,
    );
    assert.ok(ends(afterRun) > ends(before), 'the simulator continued the stream');
    for (const [group, committed] of Object.entries(lag(afterRun))) {
      for (const [p, offset] of Object.entries(committed)) {
        assert.ok(offset >= lag(before)[group][p], `group ${group} partition ${p} went back`);
      }
    }
  });
});
