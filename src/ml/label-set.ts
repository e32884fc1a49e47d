/**
 * Class labels, numbered in the order they are first seen. Learners work on these small integers
 * (array indices) and translate back to the caller's labels only at the edge.
 */

import type { Label } from './learner.ts';

/**
 * A growing dictionary from labels to dense indices.
 *
 * @example
 * const labels = new LabelSet();
 * labels.indexOf('UP'); // 0 (added)
 * labels.labelAt(0); // 'UP'
 */
export class LabelSet {
  private readonly indices = new Map<Label, number>();
  readonly labels: Label[] = [];

  constructor(labels: readonly Label[] = []) {
    for (const label of labels) this.indexOf(label);
  }

  /** Number of labels seen. */
  get size(): number {
    return this.labels.length;
  }

  /** The label's index, adding it when new. */
  indexOf(label: Label): number {
    let index = this.indices.get(label);
    if (index === undefined) {
      index = this.labels.length;
      this.indices.set(label, index);
      this.labels.push(label);
    }
    return index;
  }

  /** The label's index, or -1 when it was never seen (does not add it). */
  find(label: Label): number {
    return this.indices.get(label) ?? -1;
  }

  labelAt(index: number): Label {
    return this.labels[index];
  }
}
