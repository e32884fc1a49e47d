/**
 * `streamsight model train|evaluate --app intrusion-detection` on two different files: NSL-KDD's
 * KDDTrain+_20Percent.txt split deterministically (every 5th row is held out, the rest trains), or the
 * same split of a synthetic file when the shared data is absent.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attackClass, CLASSES } from '../../apps/intrusion-detection/schema.ts';
import { writeSyntheticFile } from '../../apps/intrusion-detection/synthetic.ts';
import { runCli as cli, tempDir } from '../helpers/cli.ts';
import { sharedData } from '../helpers/shared-data.ts';

interface Evaluation {
  name: string;
  examples: number;
  accuracy: number;
  kappa: number;
  classes: Record<
    string,
    { precision: number | null; recall: number | null; f1: number | null; support: number }
  >;
  confusionMatrix: { labels: string[]; matrix: number[][] };
}

describe('streamsight model --app intrusion-detection', { timeout: 60_000 }, () => {
  let dir: string;
  let testCounts: Map<string, number>;
  before(async () => {
    dir = await tempDir('streamsight-ids-cli-');
    let source = sharedData('nsl-kdd', 'KDDTrain+_20Percent.txt');
    if (!existsSync(source)) {
      source = join(dir, 'synthetic.txt');
      await writeSyntheticFile(source, 25_192, 1);
    }
    const lines = (await readFile(source, 'utf8')).split('\n').filter((l) => l !== '');
    // awk 'NR % 5 != 0' > train.txt; awk 'NR % 5 == 0' > test.txt
    const test = lines.filter((_, i) => (i + 1) % 5 === 0);
    await writeFile(join(dir, 'train.txt'), `${lines.filter((_, i) => (i + 1) % 5 !== 0).join('\n')}\n`);
    await writeFile(join(dir, 'test.txt'), `${test.join('\n')}\n${'0,tcp,http,SF,1'}\n`);
    testCounts = new Map();
    for (const l of test) {
      const c = attackClass(l.split(',')[41])!;
      testCounts.set(c, (testCounts.get(c) ?? 0) + 1);
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on one file and prints honest per-class results on the other', async () => {
    /** `model <command> --app intrusion-detection --file <dir>/<file> <flags>`. */
    const model = (command: string, file: string, ...flags: string[]) =>
      cli([
        '--data-dir',
        join(dir, 'data'),
        'model',
        command,
        '--app',
        'intrusion-detection',
        '--file',
        join(dir, file),
        ...flags,
      ]);
    const trained = await model('train', 'train.txt');
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(
      trained.stdout,
      /model intrusion-detection v1: hoeffding-adaptive-tree trained on 20154 examples/,
    );

    const evaluated = await model('evaluate', 'test.txt', '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stderr, /SS_ERR_MALFORMED_LINE/, 'the short line is reported');
    const r = JSON.parse(evaluated.stdout) as Evaluation & { malformed: number };
    assert.equal(r.name, 'intrusion-detection');
    assert.equal(r.examples, 5038);
    assert.equal(r.malformed, 1);
    assert.ok(r.accuracy > 0.9, `holdout accuracy ${r.accuracy}`);
    // Every class that occurs in the held-out file is reported with its true support — R2L and U2R
    // included, however poor their recall.
    for (const [c, n] of testCounts) assert.equal(r.classes[c]?.support, n, `support of ${c}`);
    assert.ok(testCounts.has('R2L') && testCounts.has('U2R'));
    const { labels, matrix } = r.confusionMatrix;
    const correct = labels.reduce((n, _, i) => n + matrix[i][i], 0);
    assert.ok(Math.abs(correct / r.examples - r.accuracy) < 1e-12);
    assert.ok(labels.every((l) => (CLASSES as readonly string[]).includes(l)));

    const table = await model('evaluate', 'test.txt');
    assert.equal(table.code, 0, table.stderr);
    for (const c of CLASSES) if (testCounts.has(c)) assert.match(table.stdout, new RegExp(`^${c}\\s`, 'm'));
  });

  it('rejects flags the app defines, and an app without a model', async () => {
    const base = ['--data-dir', join(dir, 'data2'), 'model', 'train', '--file', join(dir, 'train.txt')];
    const both = await cli([...base, '--app', 'intrusion-detection', '--label', 'attack']);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /SS_ERR_INVALID_ARGUMENT.*--label does not go with --app/);
    const none = await cli([...base, '--app', 'nexmark']);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /exports no `model`/);
    const unknown = await cli([...base, '--app', 'no-such-app']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /SS_ERR_APP_NOT_FOUND/);
  });
});
