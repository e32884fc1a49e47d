/** Batch jobs: well-formed jobs only, runs on schedule without overlapping, errors reported, stoppable. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BatchJob, batchJobsOf, scheduleBatchJobs } from '../../src/views/batch-jobs.ts';
import type { ViewStore } from '../../src/views/view-store.ts';

const store = {} as ViewStore;

describe('batch jobs', () => {
  it('keeps only well-formed jobs of a module', () => {
    const ok: BatchJob = { name: 'daily', everyMs: 60_000, run: async () => 1 };
    const jobs = batchJobsOf({
      reportJobs: [
        ok,
        { name: 'no-run', everyMs: 1000 },
        { name: 'too-often', everyMs: 10, run: ok.run },
        null,
      ],
    });
    assert.deepEqual(
      jobs.map((j) => j.name),
      ['daily'],
    );
    assert.deepEqual(batchJobsOf({}), []);
    assert.deepEqual(batchJobsOf({ reportJobs: 'nope' }), []);
  });

  it('runs on schedule, one run at a time, reports failures and stops', async () => {
    let runs = 0;
    let active = 0;
    let overlapped = false;
    const errors: string[] = [];
    const job: BatchJob = {
      name: 'slow',
      everyMs: 1000,
      async run() {
        active++;
        if (active > 1) overlapped = true;
        runs++;
        await sleep(300);
        active--;
        if (runs === 1) throw new Error('first run fails');
        return runs;
      },
    };
    const stop = scheduleBatchJobs([job], store, (j, err) => errors.push(`${j.name}: ${err.message}`));
    await sleep(2900);
    stop();
    const after = runs;
    await sleep(1500);
    assert.equal(runs, after, 'no run after stop');
    assert.ok(runs >= 2 && runs <= 3, `runs: ${runs}`);
    assert.equal(overlapped, false);
    assert.deepEqual(errors, ['slow: first run fails']);
  });
});
