/**
 * What the ML operators share: how a record becomes an example, and how a template model or
 * detector is copied. Templates are copied through their serialised bytes, so every key (and every
 * task, thread and restart) starts from the same state whatever the template's class.
 */

import { StreamsightError } from '../../errors/index.ts';
import { deserialize, type Features, type Label, type Learner, type Serializable } from '../learner.ts';

/** How a record of type T becomes an example. */
export interface ExampleOptions<T> {
  /** The record's features. */
  features: (value: T) => Features;
  /** The record's class; records whose label is undefined or null are not learned from. */
  label: (value: T) => Label | undefined | null;
}

/** Throws SS_ERR_INVALID_OPTION unless `options` has `features` (and, when asked, `label`) functions. */
export function checkExampleOptions(
  owner: string,
  options: Partial<ExampleOptions<any>>,
  label: boolean,
): void {
  for (const field of label ? ['features', 'label'] : ['features']) {
    if (typeof (options as Record<string, unknown>)?.[field] !== 'function') {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `${owner}: ${field} must be a function of the record`,
        {
          details: { option: field },
        },
      );
    }
  }
}

/**
 * Serialises a template learner once and returns a function making fresh copies of it. Throws
 * SS_ERR_INVALID_OPTION when `model` is not a learner.
 *
 * @example
 * const fresh = learnerTemplate('learn', new HoeffdingTree());
 * const a = fresh(); const b = fresh(); // independent, equal trees
 */
export function learnerTemplate(owner: string, model: Learner): () => Learner {
  if (
    typeof model?.learnOne !== 'function' ||
    typeof model.predictOne !== 'function' ||
    typeof model.serialize !== 'function'
  ) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `${owner}: model must be a Learner`, {
      details: { option: 'model' },
    });
  }
  return templateOf(model) as () => Learner;
}

/** Fresh copies of any serialisable object (a learner or a drift detector). */
export function templateOf(model: Serializable): () => Serializable {
  const bytes = model.serialize();
  deserialize(bytes); // fails now, not in a running task, when the kind is not registered
  return () => deserialize(bytes);
}

/** A copy of `model` through its bytes. */
export function copyOf<M extends Serializable>(model: M): M {
  return deserialize(model.serialize()) as M;
}
