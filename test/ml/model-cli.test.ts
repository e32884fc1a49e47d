import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SeaGenerator } from '../../src/ml/index.ts';
import { runCli as cli, tempDir } from '../helpers/cli.ts';

/** SEA rows as CSV (with a label column named `group`: a/b). */
function seaCsv(n: number, seed: number): string {
  const gen = new SeaGenerator({ seed });
  const lines = ['attrib1,attrib2,attrib3,group'];
  for (let i = 0; i < n; i++) {
    const { x, y } = gen.next();
    lines.push(`${x.attrib1},${x.attrib2},${x.attrib3},${y === 0 ? 'a' : 'b'}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Evaluation {
  name: string;
  version: number;
  kind: string;
  examples: number;
  accuracy: number;
  kappa: number;
  classes: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusionMatrix: { labels: string[]; matrix: number[][] };
}

describe('streamsight model', { timeout: 60_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('streamsight-model-cli-');
    await writeFile(join(dir, 'train.csv'), seaCsv(3000, 1));
    await writeFile(join(dir, 'test.csv'), seaCsv(1000, 2));
    const gen = new SeaGenerator({ seed: 3 });
    const jsonl = Array.from({ length: 500 }, () => {
      const { x, y } = gen.next();
      return JSON.stringify({ ...x, group: y === 0 ? 'a' : 'b' });
    });
    await writeFile(join(dir, 'test.jsonl'), `${jsonl.join('\n')}\nnot json\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains and evaluates on a range of a topic', async () => {
    const data = join(dir, 'topic');
    const gen = new SeaGenerator({ seed: 4 });
    const rows = Array.from({ length: 3000 }, () => {
      const { x, y } = gen.next();
      return JSON.stringify({ ...x, group: y === 0 ? 'a' : 'b' });
    });
    await writeFile(join(dir, 'sea.jsonl'), `${rows.join('\n')}\n`);
    assert.equal((await cli(['--data-dir', data, 'topics', 'create', 'sea', '--partitions', '1'])).code, 0);
    const produced = await cli([
      '--data-dir',
      data,
      'produce',
      join(dir, 'sea.jsonl'),
      '--topic',
      'sea',
      '--quiet',
    ]);
    assert.equal(produced.code, 0, produced.stderr);
    const base = ['--data-dir', data, 'model'];
    const trained = await cli([
      ...base,
      'train',
      '--learner',
      'hoeffding-tree',
      '--topic',
      'sea',
      '--to-offset',
      '2000',
      '--label',
      'group',
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stdout, /model sea v1: hoeffding-tree trained on 2000 examples/);
    const evaluated = await cli([
      ...base,
      'evaluate',
      '--name',
      'sea',
      '--topic',
      'sea',
      '--from-offset',
      '2000',
      '--json',
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const result = JSON.parse(evaluated.stdout) as Evaluation;
    assert.equal(result.examples, 1000);
    assert.ok(result.accuracy > 0.8, `accuracy ${result.accuracy}`);
    const both = await cli([
      ...base,
      'train',
      '--learner',
      'naive-bayes',
      '--topic',
      'sea',
      '--file',
      'x.csv',
      '--label',
      'group',
    ]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --file or --topic/);
  });

  it('trains, evaluates and lists models; versions count up', async () => {
    const train = (learner: string) =>
      cli([
        '--data-dir',
        dir,
        'model',
        'train',
        '--learner',
        learner,
        '--file',
        join(dir, 'train.csv'),
        '--label',
        'group',
        '--features',
        'attrib1,attrib2,attrib3',
        '--name',
        'sea',
      ]);
    const tree = await train('hoeffding-tree');
    assert.equal(tree.code, 0, tree.stderr);
    assert.match(tree.stdout, /model sea v1: hoeffding-tree trained on 3000 examples/);
    const bayes = await train('naive-bayes');
    assert.equal(bayes.code, 0, bayes.stderr);
    assert.match(bayes.stdout, /model sea v2: naive-bayes/);

    const evaluate = await cli([
      '--data-dir',
      dir,
      'model',
      'evaluate',
      '--name',
      'sea',
      '--file',
      join(dir, 'test.csv'),
      '--json',
    ]);
    assert.equal(evaluate.code, 0, evaluate.stderr);
    const r = JSON.parse(evaluate.stdout) as Evaluation;
    assert.equal(r.version, 2);
    assert.equal(r.kind, 'gaussian-naive-bayes');
    assert.equal(r.examples, 1000);
    assert.ok(r.accuracy > 0.8, `accuracy ${r.accuracy}`);
    assert.ok(r.kappa > 0.5, `kappa ${r.kappa}`);
    assert.deepEqual(Object.keys(r.classes).sort(), ['a', 'b']);
    const total = r.confusionMatrix.matrix.flat().reduce((s, v) => s + v, 0);
    assert.equal(total, 1000);
    const a = r.confusionMatrix.labels.indexOf('a');
    assert.equal(
      r.classes.a.support,
      r.confusionMatrix.matrix[a].reduce((s, v) => s + v, 0),
    );

    const v1 = await cli([
      '--data-dir',
      dir,
      'model',
      'evaluate',
      '--name',
      'sea',
      '--model-version',
      '1',
      '--file',
      join(dir, 'test.jsonl'),
      '--json',
    ]);
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stderr, /line 501: SS_ERR_MALFORMED_LINE/);
    const r1 = JSON.parse(v1.stdout) as Evaluation & { malformed: number };
    assert.equal(r1.kind, 'hoeffding-tree');
    assert.equal(r1.examples, 500);
    assert.equal(r1.malformed, 1);
    assert.ok(r1.accuracy > 0.8, `accuracy ${r1.accuracy}`);

    const list = await cli(['--data-dir', dir, 'model', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const versions = JSON.parse(list.stdout) as Array<{
      name: string;
      version: number;
      info: { learner: string; examples: number };
    }>;
    assert.deepEqual(
      versions.map((v) => [v.name, v.version, v.info.learner, v.info.examples]),
      [
        ['sea', 1, 'hoeffding-tree', 3000],
        ['sea', 2, 'naive-bayes', 3000],
      ],
    );
    const table = await cli(['--data-dir', dir, 'model', 'list']);
    assert.match(table.stdout, /^NAME\s+VERSION\s+KIND/);
  });

  it('trains logistic regression with every field but the label by default', async () => {
    const r = await cli([
      '--data-dir',
      dir,
      'model',
      'train',
      '--learner',
      'logistic-regression',
      '--file',
      join(dir, 'train.csv'),
      '--label',
      'group',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /model train v1: logistic-regression trained on 3000 examples/);
    const e = await cli([
      '--data-dir',
      dir,
      'model',
      'evaluate',
      '--name',
      'train',
      '--file',
      join(dir, 'test.csv'),
    ]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /model train v1 \(logistic-regression\) on 1000 examples: accuracy 0\.\d+/);
    assert.match(e.stdout, /confusion matrix/);
  });

  it('bad flags exit with code 2; a missing model or file with 1', async () => {
    const file = join(dir, 'train.csv');
    const unknownLearner = await cli([
      '--data-dir',
      dir,
      'model',
      'train',
      '--learner',
      'svm',
      '--file',
      file,
      '--label',
      'group',
    ]);
    assert.equal(unknownLearner.code, 2);
    assert.match(unknownLearner.stderr, /svm/);
    const noLabel = await cli([
      '--data-dir',
      dir,
      'model',
      'train',
      '--learner',
      'naive-bayes',
      '--file',
      file,
    ]);
    assert.equal(noLabel.code, 2);
    assert.match(noLabel.stderr, /--label/);
    const badFeatures = await cli([
      '--data-dir',
      dir,
      'model',
      'train',
      '--learner',
      'naive-bayes',
      '--file',
      file,
      '--label',
      'group',
      '--features',
      'a,,b',
    ]);
    assert.equal(badFeatures.code, 2);
    assert.match(badFeatures.stderr, /SS_ERR_INVALID_ARGUMENT.*--features/);
    const badFormat = await cli([
      '--data-dir',
      dir,
      'model',
      'train',
      '--learner',
      'naive-bayes',
      '--file',
      join(dir, 'data.txt'),
      '--label',
      'group',
    ]);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /SS_ERR_INVALID_ARGUMENT.*--format/);
    const badVersion = await cli([
      '--data-dir',
      dir,
      'model',
      'evaluate',
      '--name',
      'sea',
      '--model-version',
      'x',
      '--file',
      file,
    ]);
    assert.equal(badVersion.code, 2);
    assert.match(badVersion.stderr, /SS_ERR_INVALID_ARGUMENT.*--model-version/);
    const missingModel = await cli([
      '--data-dir',
      dir,
      'model',
      'evaluate',
      '--name',
      'nope',
      '--file',
      file,
    ]);
    assert.equal(missingModel.code, 1);
    assert.match(missingModel.stderr, /SS_ERR_MODEL_NOT_FOUND/);
    const missingFile = await cli([
      '--data-dir',
      dir,
      'model',
      'train',
      '--learner',
      'naive-bayes',
      '--file',
      join(dir, 'none.csv'),
      '--label',
      'group',
    ]);
    assert.equal(missingFile.code, 1);
    assert.match(missingFile.stderr, /SS_ERR_FILE/);
  });
});
