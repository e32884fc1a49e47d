/**
 * Class labels, numbered in the order they are first seen. Learners work on these small integers
 * (array indices) and translate back to the caller's labels only at the edge.
 */

import type { Label } from './learner.ts';

/**
 * A growing dictionary from labels to dense indices (any strings or numbers: the Meetup app numbers
 * countries and topics with it too).
 *
 * @example
 * const labels = new LabelSet();
 * labels.indexOf('UP'); // 0 (added)
 * labels.labelAt(0); // 'UP'
 * new LabelSet<string>().labelAt(0); // typed as a string
 */
export class LabelSet<L extends Label = Label> {
  private readonly indices = new Map<L, number>();
  readonly labels: L[] = [];

  constructor(labels: readonly L[] = []) {
    for (const label of labels) this.indexOf(label);
  }

  /** Number of labels seen. */
  get size(): number {
    return this.labels.length;
  }

  /** The label's index, adding it when new. */
  indexOf(label: L): number {
    let index = this.indices.get(label);
    if (index === undefined) {
      index = this.labels.length;
      this.indices.set(label, index);
      this.labels.push(label);
    }
    return index;
  }

  /** The label's index, or -1 when it was never seen (does not add it). */
  find(label: L): number {
    return this.indices.get(label) ?? -1;
  }

  labelAt(index: number): L {
    return this.labels[index];
  }
}
