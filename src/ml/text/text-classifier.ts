/**
 * A trainable text classifier for short posts (emotion, topic, intent): text → tokens (`tokenize`)
 * → signed hashed unigrams + bigrams (`HashedNgrams`, 2^18 buckets) → online TF-IDF (`OnlineTfIdf`)
 * → softmax regression by SGD (`LogisticRegression.learnVector`).
 *
 * Why this pipeline: on the CARER emotion tweets (6 classes, 16k train / 2k validation) it reaches
 * 0.88 validation accuracy with 5 epochs (0.73 after a single pass), where multinomial naive Bayes on
 * the same tokens reaches 0.66–0.78 (test/ml/emotion.test.ts); and every stage is online with a
 * fixed memory footprint (no vocabulary), so the model can keep learning from labelled events in a
 * stream. Signed hashing gives negative counts, which rules out multinomial NB as the head anyway.
 *
 * `fit` with several epochs learns document frequencies in the first epoch only, so each document
 * is counted once.
 */

import {
  type ClassProbabilities,
  encodeModel,
  type Label,
  type ModelJSON,
  registerModelKind,
  type Serializable,
} from '../learner.ts';
import type { SgdOptions } from '../linear/linear-weights.ts';
import { LogisticRegression } from '../linear/logistic-regression.ts';
import type { SparseVector } from '../linear/sparse-vector.ts';
import { HashedNgrams } from './hashed-ngrams.ts';
import { OnlineTfIdf, type OnlineTfIdfJSON } from './tfidf.ts';
import { tokenize } from './tokenizer.ts';

/** Options of `TextClassifier`. */
export interface TextClassifierOptions extends SgdOptions {
  /** log2 of the hashed feature space (18). */
  bits?: number;
  /** Longest word n-gram (2). */
  ngrams?: number;
  /** Weight counts by online TF-IDF (true); false feeds L2-normalised counts. */
  tfidf?: boolean;
}

/**
 * Text → class, learned online.
 *
 * @example
 * const classifier = new TextClassifier();
 * classifier.fit(trainTexts, trainLabels, { epochs: 5 });
 * classifier.predictOne('i feel so happy today'); // 'joy'
 * classifier.learnOne('what a scary night', 'fear'); // keeps learning from the stream
 */
export class TextClassifier implements Serializable {
  readonly hasher: HashedNgrams;
  /** Document frequencies (null with `tfidf: false`). */
  tfidf: OnlineTfIdf | null;
  model: LogisticRegression;
  private readonly options: TextClassifierOptions;
  private readonly tokens: string[] = [];

  constructor(options: TextClassifierOptions = {}) {
    this.options = { ...options };
    this.hasher = new HashedNgrams({ bits: options.bits, ngrams: options.ngrams });
    this.tfidf =
      options.tfidf === false ? null : new OnlineTfIdf({ dimension: this.hasher.dimension, sublinear: true });
    // Inputs have unit norm, so a large step is stable; 2 was best of {0.5, 1, 2, 4} on the emotion set.
    this.model = new LogisticRegression({
      learningRate: options.learningRate ?? 2,
      decay: options.decay ?? 0,
      l2: options.l2 ?? 1e-6,
      columns: this.hasher.dimension,
    });
  }

  /** Learns one labelled text (and counts it in the document frequencies). */
  learnOne(text: string, y: Label, weight = 1): void {
    this.model.learnVector(this.featurize(text, true), y, weight);
  }

  /** The most probable class (undefined before any learning). */
  predictOne(text: string): Label | undefined {
    return this.model.predictVector(this.featurize(text, false));
  }

  /** Class probabilities of `text`. */
  predictProbaOne(text: string): ClassProbabilities {
    return this.model.predictProbaVector(this.featurize(text, false));
  }

  /** Learns `texts` in order, `epochs` times (document frequencies in the first epoch only). */
  fit(texts: readonly string[], labels: readonly Label[], options: { epochs?: number } = {}): void {
    const epochs = options.epochs ?? 1;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = 0; i < texts.length; i++) {
        this.model.learnVector(this.featurize(texts[i], epoch === 0), labels[i]);
      }
    }
  }

  /** The feature vector of `text` (owned by the hasher: overwritten by the next call). */
  featurize(text: string, learn: boolean): SparseVector {
    const v = this.hasher.transform(tokenize(text, this.tokens));
    if (this.tfidf === null) {
      const norm = v.norm();
      if (norm > 0) v.scale(1 / norm);
      return v;
    }
    if (learn) this.tfidf.learnOne(v);
    return this.tfidf.transform(v);
  }

  toJSON(): ModelJSON {
    return {
      kind: 'text-classifier',
      version: 1,
      options: this.options,
      tfidf: this.tfidf?.toJSON() ?? null,
      model: this.model.toJSON(),
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): TextClassifier {
    const classifier = new TextClassifier(json.options as TextClassifierOptions);
    classifier.tfidf = json.tfidf === null ? null : OnlineTfIdf.fromJSON(json.tfidf as OnlineTfIdfJSON);
    classifier.model = LogisticRegression.fromJSON(json.model as ModelJSON);
    return classifier;
  }
}

registerModelKind('text-classifier', 1, TextClassifier.fromJSON);
