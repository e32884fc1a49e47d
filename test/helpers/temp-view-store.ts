/** A fresh embedded log and in-memory DuckDB view store for each test of a file. */

import { afterEach, beforeEach } from 'node:test';
import { openDuckDbViewStore, type ViewStore } from '../../src/views/index.ts';
import { type TempLog, tempLog } from './temp-log.ts';

export interface LogAndViewStore {
  t: TempLog;
  store: ViewStore;
}

/**
 * Registers hooks that open a log and a view store before each test, hand them to `use`, and close
 * and remove them after it.
 *
 * @example
 * let t: TempLog;
 * let store: ViewStore;
 * withLogAndViewStore((fresh) => ({ t, store } = fresh));
 */
export function withLogAndViewStore(use: (fresh: LogAndViewStore) => void): void {
  let fresh: LogAndViewStore | undefined;
  beforeEach(async () => {
    const t = await tempLog();
    fresh = { t, store: await openDuckDbViewStore({ path: ':memory:' }) };
    use(fresh);
  });
  afterEach(async () => {
    await fresh?.store.close();
    await fresh?.t.cleanup();
    fresh = undefined;
  });
}
