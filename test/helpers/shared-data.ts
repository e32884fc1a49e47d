/**
 * The shared datasets (`../shared/data`) are never copied into the repository: tests read them from
 * `$STREAMSIGHT_SHARED_DIR/data` (set by .ci/run) or from `../shared/data` beside the checkout, and
 * skip with a message when they are absent.
 */

import { join } from 'node:path';

const sharedDir = process.env.STREAMSIGHT_SHARED_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared');

/** The path of a shared dataset file or folder, e.g. `sharedData('elec2', 'elecNormNew.arff')`. */
export function sharedData(...parts: string[]): string {
  return join(sharedDir, 'data', ...parts);
}
