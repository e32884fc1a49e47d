import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ClassificationMetrics,
  MultinomialNaiveBayes,
  TextClassifier,
  tokenize,
} from '../../src/ml/index.ts';
import { sharedData } from '../helpers/shared-data.ts';

// CARER / dair-ai "emotion" tweets (16,000 train, 2,000 validation; research and education use only,
// cite Saravia et al., EMNLP 2018) are not in the repository: read from the shared data folder.
const folder = sharedData('emotion-tweets');

/** `<text>;<label>` per line; the text has no ';', so split on the last one. */
function read(file: string): { texts: string[]; labels: string[] } {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const line of readFileSync(join(folder, file), 'utf8').split('\n')) {
    const cut = line.lastIndexOf(';');
    if (cut < 0) continue;
    texts.push(line.slice(0, cut));
    labels.push(line.slice(cut + 1).trim());
  }
  return { texts, labels };
}

test('TextClassifier on the emotion tweets: validation accuracy ≥ 0.85 (6 classes)', (t) => {
  if (!existsSync(join(folder, 'train.txt'))) {
    t.skip(`emotion-tweets not found under ${folder} (set STREAMSIGHT_SHARED_DIR)`);
    return;
  }
  const train = read('train.txt');
  const validation = read('val.txt');
  assert.equal(train.texts.length, 16_000);
  assert.equal(validation.texts.length, 2_000);

  const classifier = new TextClassifier();
  classifier.fit(train.texts, train.labels, { epochs: 5 });
  const metrics = new ClassificationMetrics();
  validation.texts.forEach((text, i) => {
    metrics.update(validation.labels[i], classifier.predictOne(text)!);
  });
  const view = metrics.cumulative;
  const perClass = Object.fromEntries(
    ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'].map((label) => [
      label,
      Number(view.f1(label).toFixed(3)),
    ]),
  );
  t.diagnostic(`accuracy ${view.accuracy().toFixed(4)}, macro-F1 ${view.macroF1().toFixed(4)}`);
  t.diagnostic(`per-class F1 ${JSON.stringify(perClass)}`);
  assert.ok(view.accuracy() >= 0.85, `accuracy ${view.accuracy()}`);
  for (const [label, f1] of Object.entries(perClass)) assert.ok(f1 > 0.6, `F1 of ${label}: ${f1}`);

  // The reason the classifier is logistic regression: multinomial NB on the same tokens stays lower.
  const nb = new MultinomialNaiveBayes({ alpha: 0.1 });
  const bag = (text: string) => {
    const counts: Record<string, number> = {};
    for (const token of tokenize(text)) counts[token] = (counts[token] ?? 0) + 1;
    return counts;
  };
  train.texts.forEach((text, i) => {
    nb.learnOne(bag(text), train.labels[i]);
  });
  let correct = 0;
  validation.texts.forEach((text, i) => {
    if (nb.predictOne(bag(text)) === validation.labels[i]) correct++;
  });
  t.diagnostic(`multinomial NB (unigrams, α = 0.1) accuracy ${(correct / 2000).toFixed(4)}`);
  assert.ok(correct / 2000 < view.accuracy());
});
