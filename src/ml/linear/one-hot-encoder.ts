/**
 * Online one-hot encoding: a categorical (string) feature `proto = 'tcp'` becomes the numeric
 * indicator `proto=tcp: 1`, for learners that take numbers only (k-means, half-space trees, an SGD
 * model fed dense rows). Categories are learned as they appear; `transformOne` emits every known
 * category of a feature (0 for the others), so the output columns are stable once a category has been
 * seen, and a category never seen in training encodes as all zeros. Numeric features pass through.
 */

import { encodeModel, type Features, type ModelJSON, registerModelKind } from '../learner.ts';

/**
 * Online one-hot encoder for string-valued features.
 *
 * @example
 * const encoder = new OneHotEncoder();
 * encoder.learnOne({ proto: 'tcp', bytes: 120 });
 * encoder.learnOne({ proto: 'udp', bytes: 80 });
 * encoder.transformOne({ proto: 'udp', bytes: 80 }); // { 'proto=tcp': 0, 'proto=udp': 1, bytes: 80 }
 */
export class OneHotEncoder {
  /** Feature name → its categories in the order first seen. */
  readonly #categories = new Map<string, string[]>();

  /** Records the categories of the string values of `x`. */
  learnOne(x: Features): void {
    for (const name in x) {
      const value = x[name];
      if (typeof value !== 'string') continue;
      let known = this.#categories.get(name);
      if (!known) {
        known = [];
        this.#categories.set(name, known);
      }
      if (!known.includes(value)) known.push(value);
    }
  }

  /** An encoded copy of `x`: indicators for every known category of its string features. */
  transformOne(x: Features): Features {
    const out: Features = {};
    for (const name in x) {
      const value = x[name];
      const known = typeof value === 'string' ? this.#categories.get(name) : undefined;
      if (known === undefined) {
        if (typeof value !== 'string') out[name] = value;
        continue;
      }
      for (const category of known) out[`${name}=${category}`] = category === value ? 1 : 0;
    }
    return out;
  }

  /** The categories learned for `name`, in the order first seen. */
  categories(name: string): readonly string[] {
    return this.#categories.get(name) ?? [];
  }

  toJSON(): ModelJSON {
    return { kind: 'one-hot-encoder', version: 1, categories: Object.fromEntries(this.#categories) };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): OneHotEncoder {
    const encoder = new OneHotEncoder();
    for (const [name, values] of Object.entries(json.categories as Record<string, string[]>)) {
      encoder.#categories.set(name, [...values]);
    }
    return encoder;
  }
}

registerModelKind('one-hot-encoder', 1, OneHotEncoder.fromJSON);
