/**
 * Failover on the 3-broker cluster: three `streamsight worker` processes run a windowed aggregation
 * over 300,000 records in a 6-partition topic while the records are still being written; one worker is
 * SIGKILLed mid-stream and a fresh one joins. The tasks move (twice: when the fresh worker joins and
 * when the dead one's session expires), restore from their changelogs and committed offsets, and the
 * output read back read_committed must equal what an uninterrupted run gives — one count per (key,
 * window), each exactly once: no loss, no duplicates.
 *
 * Needs STREAMSIGHT_KAFKA_CLUSTER (e.g. 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094, started by
 * `scripts/kafka/start.sh cluster`); skips otherwise. SS_TEST_VERBOSE=1 shows the workers' logs.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAppTopics } from '../../src/dataflow/index.ts';
import { openKafkaLog } from '../../src/log/kafka/index.ts';
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

const cluster = process.env.STREAMSIGHT_KAFKA_CLUSTER;
const RECORDS = 300_000;
const PARTITIONS = 6;

if (!cluster) {
  describe('Kafka workers: failover', () => {
    it.skip('needs STREAMSIGHT_KAFKA_CLUSTER (start one with scripts/kafka/start.sh cluster)', () => {});
  });
} else {
  describe('Kafka workers: failover', () => {
    it('gives the uninterrupted result when a worker is SIGKILLed mid-stream and another joins', {
      timeout: 240_000,
    }, async () => {
      const app = uniqueAppName('failover');
      process.env.SS_TEST_APP = app;
      // A query string makes each run import its own module instance, named after SS_TEST_APP.
      const { default: definition } = await import(`./fixtures/windowed-app.ts?app=${app}`);
      const log = await openKafkaLog({ brokers: cluster, clientId: 'failover-test' });
      const workers: WorkerProcess[] = [];
      const logs = () => workers.map((w) => `── ${w.name}\n${w.stderr().slice(-3000)}`).join('\n');
      try {
        await createAppTopics(definition, log);
        const expected = expectedCounts(RECORDS);
        for (const name of ['w1', 'w2', 'w3']) workers.push(spawnWorker(name, app, cluster));

        // Write the input while the workers run; kill w1 once results flow and the input is 1/3 in.
        let produced = 0;
        const producing = produce(log, `${app}.events`, 0, RECORDS, {
          onProgress: (n) => {
            produced = n;
          },
        }).then(() => closeAllWindows(log, `${app}.events`, PARTITIONS));
        await waitFor('the first results with a third of the input written', 90_000, async () => {
          const { total } = await readOutput(log, `${app}.counts`);
          return total > 0 && produced >= RECORDS / 3;
        });
        const before = await readOutput(log, `${app}.counts`);
        assert.ok(before.results.size < expected.size, 'the kill must come mid-stream');
        workers[0].child.kill('SIGKILL');
        await workers[0].exited;
        workers.push(spawnWorker('w4', app, cluster));
        await producing;

        await waitForResults(log, `${app}.counts`, expected.size, 180_000);
        // Anything a replay would duplicate is committed by now; give stragglers a moment anyway.
        await new Promise((r) => setTimeout(r, 3000));
        const output = await readOutput(log, `${app}.counts`);
        const problems = compare(output, expected);
        assert.deepEqual(problems.slice(0, 20), [], `${problems.length} differences\n${logs()}`);
        assert.equal(output.total, expected.size);
        assert.match(workers[3].stderr(), /worker: running partitions/, 'the fresh worker took over tasks');
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
