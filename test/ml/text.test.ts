import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashString } from '../../src/dataflow/aggregators/hyperloglog.ts';
import {
  deserialize,
  extendHash,
  HashedNgrams,
  OnlineTfIdf,
  SparseVector,
  TextClassifier,
  tokenize,
} from '../../src/ml/index.ts';

test('tokenize: lowercases; URLs, mentions, hashtags, emoji, emoticons and Unicode words', () => {
  assert.deepEqual(tokenize('Loving #NewYork 😍 @bob_1 http://x.co/a?b=1 :) <3'), [
    'loving',
    'newyork',
    '😍',
    '<user>',
    '<url>',
    ':)',
    '<3',
  ]);
  assert.deepEqual(tokenize('Don’t STOP!!! café naïve 東京 привет'), [
    "don't",
    'stop',
    'café',
    'naïve',
    '東京',
    'привет',
  ]);
  assert.deepEqual(tokenize('see www.example.org, e-mail me;-( 3.14'), [
    'see',
    '<url>',
    'e',
    'mail',
    'me',
    ';-(',
    '3',
    '14',
  ]);
  assert.deepEqual(tokenize('  ...  '), []);
  const reused: string[] = ['stale'];
  assert.equal(tokenize('a b', reused), reused);
  assert.deepEqual(reused, ['a', 'b']);
});

test('hashed n-grams: stable MurmurHash3 buckets, signs from bit 31, bigrams by hash extension', () => {
  // Pinned: these must never change, or every stored text model silently breaks.
  assert.equal(hashString('happy'), 1797633597);
  assert.equal(hashString('not'), 2500117753);
  const hasher = new HashedNgrams({ bits: 18, ngrams: 2 });
  const v = hasher.transform(['not', 'happy']);
  assert.deepEqual(Array.from(v.indices.subarray(0, v.size)), [50425, 107651, 112189]);
  assert.deepEqual(Array.from(v.values.subarray(0, v.size)), [-1, 1, 1]);
  const mask = 2 ** 18 - 1;
  assert.equal(v.indices[0], hashString('not') & mask);
  assert.equal(v.indices[1], extendHash(hashString('not'), hashString('happy')) & mask);
  assert.equal(v.indices[2], hashString('happy') & mask);
  // Repeated n-grams merge into one entry per bucket, and a fresh hasher agrees.
  const w = new HashedNgrams().transform(['happy', 'happy', 'happy']);
  assert.deepEqual(
    [...w.indices.subarray(0, w.size)].map((index, j) => [index, w.values[j]]),
    [
      [hashString('happy') & mask, 3],
      [
        extendHash(hashString('happy'), hashString('happy')) & mask,
        extendHash(hashString('happy'), hashString('happy')) < 0 ? -2 : 2,
      ],
    ],
  );
  assert.equal(new HashedNgrams({ ngrams: 1 }).transform(['not', 'happy']).size, 2);
  assert.equal(hasher.transform([]).size, 0);
});

test('online TF-IDF: hand-computed smooth idf, sublinear tf and L2 normalisation', () => {
  const doc = (entries: [number, number][]) => {
    const v = new SparseVector();
    for (const [i, x] of entries) v.push(i, x);
    return v;
  };
  const raw = new OnlineTfIdf({ dimension: 4, normalize: false });
  raw.learnOne(
    doc([
      [0, 1],
      [1, 2],
    ]),
  );
  raw.learnOne(
    doc([
      [0, 1],
      [2, 1],
    ]),
  );
  // N = 2; df = [2, 1, 1, 0]; idf = ln(3/(1+df)) + 1.
  assert.equal(raw.documents, 2);
  assert.equal(raw.idf(0), 1);
  assert.ok(Math.abs(raw.idf(1) - (Math.log(1.5) + 1)) < 1e-15);
  assert.ok(Math.abs(raw.idf(3) - (Math.log(3) + 1)) < 1e-15);
  const v = raw.transform(
    doc([
      [0, 1],
      [1, 2],
      [3, 1],
    ]),
  );
  const expected = [1, 2 * (Math.log(1.5) + 1), Math.log(3) + 1];
  expected.forEach((x, j) => {
    assert.ok(Math.abs(v.values[j] - x) < 1e-12, `${v.values[j]} vs ${x}`);
  });

  const sublinear = new OnlineTfIdf({ dimension: 4, sublinear: true });
  sublinear.learnOne(
    doc([
      [0, 1],
      [1, 2],
    ]),
  );
  // N = 1, df = [1, 1, 0, 0]: idf(0) = idf(1) = 1; tf = [1, 1 + ln 2] then unit length.
  const u = sublinear.transform(
    doc([
      [0, 1],
      [1, -2],
    ]),
  );
  const t1 = -(1 + Math.log(2));
  const norm = Math.sqrt(1 + t1 * t1);
  assert.ok(Math.abs(u.values[0] - 1 / norm) < 1e-15);
  assert.ok(Math.abs(u.values[1] - t1 / norm) < 1e-15);
  assert.ok(Math.abs(u.norm() - 1) < 1e-15);

  const copy = OnlineTfIdf.fromJSON(raw.toJSON());
  assert.equal(copy.documents, 2);
  assert.equal(copy.documentFrequency(0), 2);
  assert.equal(copy.idf(1), raw.idf(1));
});

test('TextClassifier learns a toy corpus and survives a serialisation round trip', () => {
  const texts = [
    'i love this so much',
    'what a wonderful happy day',
    'this is awful and i hate it',
    'terrible sad news today',
    'so happy and grateful',
    'i hate waiting, awful service',
  ];
  const labels = ['joy', 'joy', 'anger', 'sadness', 'joy', 'anger'];
  const classifier = new TextClassifier({ bits: 12 });
  classifier.fit(texts, labels, { epochs: 20 });
  assert.equal(classifier.predictOne('such a happy wonderful day'), 'joy');
  assert.equal(classifier.predictOne('awful, i hate it'), 'anger');
  assert.equal(classifier.tfidf?.documents, texts.length, 'documents are counted once over all epochs');
  const copy = deserialize(classifier.serialize()) as TextClassifier;
  assert.deepEqual(copy.predictProbaOne('sad and awful'), classifier.predictProbaOne('sad and awful'));
  const counts = new TextClassifier({ bits: 12, tfidf: false });
  counts.learnOne('happy happy', 'joy');
  assert.equal(counts.predictOne('happy'), 'joy');
  assert.equal(new TextClassifier({ bits: 12 }).predictOne('anything'), undefined);
});
