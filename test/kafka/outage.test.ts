/**
 * Broker outage: two `streamsight worker` processes run the windowed aggregation of
 * `fixtures/windowed-app.ts` on a broker of their own (`scripts/kafka/start.sh spare`, port 29092, so
 * the shared brokers are never disturbed). Mid-stream the broker is stopped for 10 s and started
 * again. The workers must say why they stall (`streamsight kafka: <op> failed (...); retrying`), keep
 * running, and the output read back read_committed must equal an uninterrupted run's: no loss, no
 * duplicates.
 *
 * Runs where Kafka is available (STREAMSIGHT_KAFKA_BROKERS set, as in CI); skips otherwise.
 * SS_TEST_VERBOSE=1 shows the workers' logs.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createAppTopics } from '../../src/dataflow/index.ts';
import { type KafkaLog, openKafkaLog } from '../../src/log/kafka/index.ts';
import {
  closeAllWindows,
  compare,
  expectedCounts,
  produce,
  readOutput,
  spawnWorker,
  stopWorker,
  uniqueAppName,
  type WorkerProcess,
  waitFor,
  waitForResults,
} from './harness.ts';

const RECORDS = 150_000;
const PARTITIONS = 6;
const OUTAGE_MS = 10_000;
const SPARE = '127.0.0.1:29092';
const scripts = join(import.meta.dirname, '..', '..', 'scripts', 'kafka');
const run = promisify(execFile);
const broker = (action: 'start' | 'stop', ...args: string[]) =>
  run('bash', [join(scripts, `${action}.sh`), 'spare', ...args], { timeout: 120_000 });

if (!process.env.STREAMSIGHT_KAFKA_BROKERS) {
  describe('Kafka workers: broker outage', () => {
    it.skip('needs Kafka (STREAMSIGHT_KAFKA_BROKERS set; the test starts its own broker on port 29092)', () => {});
  });
} else {
  describe('Kafka workers: broker outage', () => {
    before(() => broker('start'), { timeout: 120_000 });
    after(() => broker('stop', '--wipe'), { timeout: 120_000 });

    it('stalls with clear log lines, recovers and loses or duplicates nothing', {
      timeout: 240_000,
    }, async () => {
      const app = uniqueAppName('outage');
      process.env.SS_TEST_APP = app;
      const { default: definition } = await import(`./fixtures/windowed-app.ts?app=${app}`);
      const retries: string[] = [];
      const log: KafkaLog = await openKafkaLog({
        brokers: SPARE,
        clientId: 'outage-test',
        onRetry: (e) => retries.push(e.operation),
      });
      const workers: WorkerProcess[] = [];
      const logs = () => workers.map((w) => `── ${w.name}\n${w.stderr().slice(-3000)}`).join('\n');
      try {
        await createAppTopics(definition, log);
        const expected = expectedCounts(RECORDS);
        for (const name of ['w1', 'w2']) workers.push(spawnWorker(name, app, SPARE));
        let produced = 0;
        // At a steady rate, so that records are still coming when the broker goes away.
        const producing = produce(log, `${app}.events`, 0, RECORDS, {
          rate: 10_000,
          onProgress: (n) => {
            produced = n;
          },
        }).then(() => closeAllWindows(log, `${app}.events`, PARTITIONS));
        await waitFor('the first results with a third of the input written', 90_000, async () => {
          const { total } = await readOutput(log, `${app}.counts`);
          return total > 0 && produced >= RECORDS / 3;
        });
        const before = await readOutput(log, `${app}.counts`);
        assert.ok(before.results.size < expected.size, 'the outage must come mid-stream');

        await broker('stop');
        const down = Date.now();
        await sleep(OUTAGE_MS);
        await broker('start');
        assert.ok(Date.now() - down >= OUTAGE_MS);

        await producing;
        await waitForResults(log, `${app}.counts`, expected.size, 180_000);
        await sleep(3000);
        const output = await readOutput(log, `${app}.counts`);
        const problems = compare(output, expected);
        assert.deepEqual(problems.slice(0, 20), [], `${problems.length} differences\n${logs()}`);
        assert.equal(output.total, expected.size);
        for (const w of workers) {
          assert.equal(w.child.exitCode, null, `${w.name} exited\n${logs()}`);
          assert.match(w.stderr(), /streamsight kafka: \S+.* failed \(SS_ERR_\w+: .*\); retrying in \d+ ms/);
        }
        assert.ok(retries.length > 0, 'the test’s own producer retried through the outage too');
      } catch (error) {
        process.stderr.write(`worker logs:\n${logs()}\n`);
        throw error;
      } finally {
        await Promise.all(workers.map((w) => stopWorker(w)));
        await log.close();
      }
    });
  });
}
