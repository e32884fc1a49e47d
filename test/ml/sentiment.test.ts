import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { type SentimentAnalyzer, VaderSentiment } from '../../src/ml/index.ts';

test('VADER sentiment: polarity labels, negation, boosters, emphasis and emoticons', () => {
  const analyzer: SentimentAnalyzer = new VaderSentiment();
  assert.equal(analyzer.score('I love this airline, the crew was great!').label, 'positive');
  assert.equal(analyzer.score('Worst flight ever. Lost my bag and rude staff.').label, 'negative');
  assert.equal(analyzer.score('The train leaves at noon.').label, 'neutral');
  assert.equal(analyzer.score('The food was not good.').label, 'negative');
  assert.ok(analyzer.score('very good').score > analyzer.score('good').score);
  assert.ok(analyzer.score('GOOD!!!').score > analyzer.score('good').score);
  assert.equal(analyzer.score(':)').label, 'positive');
  const result = new VaderSentiment().score('good but terrible');
  assert.ok(result.score >= -1 && result.score <= 1);
  assert.ok(Math.abs(result.comparative - (result.positive - result.negative)) < 1e-12);
  assert.ok(Math.abs(result.positive + result.negative + result.neutral - 1) < 0.01);
  assert.deepEqual(analyzer.score(''), {
    score: 0,
    comparative: 0,
    label: 'neutral',
    positive: 0,
    negative: 0,
    neutral: 0,
  });
});

test('VaderSentiment: the neutral band is configurable and validated', () => {
  assert.equal(new VaderSentiment({ threshold: 0.9 }).score('nice').label, 'neutral');
  assert.throws(
    () => new VaderSentiment({ threshold: 2 }),
    (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
  );
});
