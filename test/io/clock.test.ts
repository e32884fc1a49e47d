import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { ManualClock, systemClock } from '../../src/io/index.ts';

test('ManualClock: sleeps return at once, advance the time and are recorded', async () => {
  const clock = new ManualClock(1000);
  await clock.sleep(250);
  clock.advance(50);
  await clock.sleep(700);
  assert.equal(clock.now(), 2000);
  assert.deepEqual(clock.sleeps, [250, 700]);
});

test('ManualClock: sleeping with an aborted signal rejects with SS_ERR_ABORTED', async () => {
  const clock = new ManualClock();
  const reason = new Error('stop');
  await assert.rejects(clock.sleep(10, AbortSignal.abort(reason)), (err) => {
    return isStreamsightError(err, 'SS_ERR_ABORTED') && err.cause === reason;
  });
  assert.deepEqual(clock.sleeps, []);
});

test('systemClock: sleeps for real, and an abort ends the sleep early with SS_ERR_ABORTED', async () => {
  const start = systemClock.now();
  await systemClock.sleep(20);
  assert.ok(systemClock.now() - start >= 19);
  assert.ok(Math.abs(systemClock.now() - Date.now()) < 1000, 'epoch milliseconds');

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 10);
  const before = systemClock.now();
  await assert.rejects(systemClock.sleep(60_000, controller.signal), (err) =>
    isStreamsightError(err, 'SS_ERR_ABORTED'),
  );
  assert.ok(systemClock.now() - before < 5000);
});
