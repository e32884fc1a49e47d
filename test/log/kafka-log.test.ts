/**
 * The Kafka adapter against a real broker: the shared Log contract, plus what only Kafka has (gaps
 * after commit markers, fencing of a zombie's transactional id, aborted data never read).
 * Needs STREAMSIGHT_KAFKA_BROKERS (e.g. 127.0.0.1:9092, started by scripts/kafka/start.sh); skips otherwise.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import type { Log } from '../../src/log/index.ts';
import {
  changelogTopic,
  openKafkaLog,
  parseKafkaBrokers,
  transactionalIdFor,
} from '../../src/log/kafka/index.ts';
import { logContract } from './log-contract.ts';

const brokers = process.env.STREAMSIGHT_KAFKA_BROKERS;
const encoder = new TextEncoder();
const bytes = (s: string): Uint8Array => encoder.encode(s);
const runId = Date.now().toString(36);
let unique = 0;
const fresh = (what: string) => `kt-${runId}-${++unique}-${what}`;

describe('Kafka log: options', () => {
  it('parses kafka:// URLs and bare lists, and rejects malformed ones with a code', () => {
    assert.deepEqual(parseKafkaBrokers('kafka://127.0.0.1:9092,localhost:19093'), [
      { host: '127.0.0.1', port: 9092 },
      { host: 'localhost', port: 19093 },
    ]);
    for (const bad of ['', 'kafka://', 'host', 'host:0', 'host:99999', 'a b:1']) {
      assert.throws(
        () => parseKafkaBrokers(bad),
        (e: unknown) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
      );
    }
  });

  it('maps a store to a legal changelog topic and a task to a stable transactional id', () => {
    assert.equal(changelogTopic('shop.revenue.window-3'), 'shop.revenue.window-3-changelog');
    const odd = changelogTopic('a/b:c');
    assert.match(odd, /^a_b_c-[0-9a-f]{8}-changelog$/);
    assert.notEqual(odd, changelogTopic('a_b_c'));
    const offsets = (p: number) => new Map([['app.pipe', [{ topic: 'in', partition: p, offset: 5 }]]]);
    assert.equal(transactionalIdFor(offsets(2)), transactionalIdFor(offsets(2)));
    assert.notEqual(transactionalIdFor(offsets(2)), transactionalIdFor(offsets(3)));
    assert.equal(transactionalIdFor(new Map()), undefined);
  });
});

if (!brokers) {
  describe('Kafka log against a broker', () => {
    it.skip('needs STREAMSIGHT_KAFKA_BROKERS (start one with scripts/kafka/start.sh single)', () => {});
  });
} else {
  const open = () => openKafkaLog({ brokers, clientId: 'contract', retryTimeoutMs: 30_000 });
  logContract('kafka', async () => {
    const log = await open();
    return { log, cleanup: () => log.close() };
  });

  describe('Kafka log: Kafka specifics', () => {
    const withLog = (body: (log: Log) => Promise<void>) => async () => {
      const log = await open();
      try {
        await body(log);
      } finally {
        await log.close();
      }
    };

    it(
      'skips commit markers: a transaction leaves a gap that fetch steps over',
      withLog(async (log) => {
        const [topic, input, group] = [fresh('gap'), fresh('in'), fresh('g')];
        await log.createTopic(topic, { partitions: 1 });
        await log.createTopic(input, { partitions: 1 });
        for (let i = 0; i < 3; i++) {
          const tx = log.beginTransaction();
          tx.append(topic, [{ value: bytes(`t${i}`) }]);
          tx.commitOffsets(group, [{ topic: input, partition: 0, offset: i }]);
          await tx.commit();
        }
        const end = (await log.describeTopic(topic)).partitions[0].endOffset;
        assert.equal(end, 6, 'three records and three COMMIT markers');
        const { records, nextOffset, highWatermark } = await log.fetch(topic, 0, 0);
        assert.deepEqual(
          records.map((r) => [r.offset, new TextDecoder().decode(r.value!)]),
          [
            [0, 't0'],
            [2, 't1'],
            [4, 't2'],
          ],
        );
        assert.equal(nextOffset, 6);
        assert.equal(highWatermark, 6);
        assert.deepEqual(await log.committedOffsets(group, input), new Map([[0, 2]]));
      }),
    );

    it(
      'fences a zombie: once a second process commits for the same task, the first one’s commit fails',
      withLog(async (first) => {
        const [input, output, group] = [fresh('in'), fresh('out'), fresh('g')];
        await first.createTopic(input, { partitions: 1 });
        await first.createTopic(output, { partitions: 1 });
        const commit = (log: Log, value: string, offset: number) => {
          const tx = log.beginTransaction();
          tx.append(output, [{ value: bytes(value) }]);
          tx.putState(`${group}.s`, 0, 'k', bytes(value));
          tx.commitOffsets(group, [{ topic: input, partition: 0, offset }]);
          return tx.commit();
        };
        await commit(first, 'zombie-1', 1);
        const second = await open();
        try {
          await commit(second, 'owner-1', 2);
          await assert.rejects(commit(first, 'zombie-2', 3), (e: unknown) =>
            isStreamsightError(e, 'SS_ERR_FENCED'),
          );
          await commit(second, 'owner-2', 4);
          const values = (await second.fetch(output, 0, 0)).records.map((r) =>
            new TextDecoder().decode(r.value!),
          );
          assert.deepEqual(values, ['zombie-1', 'owner-1', 'owner-2']);
          assert.deepEqual(await second.committedOffsets(group, input), new Map([[0, 4]]));
          const state = [];
          for await (const [k, v] of second.readState(`${group}.s`, 0))
            state.push([k, new TextDecoder().decode(v)]);
          assert.deepEqual(state, [['k', 'owner-2']]);
        } finally {
          await second.close();
        }
      }),
    );

    it(
      'a failed transaction is aborted: its records are never read, later ones are',
      withLog(async (log) => {
        const [topic, group, input] = [fresh('ab'), fresh('g'), fresh('in')];
        await log.createTopic(topic, { partitions: 2 });
        await log.createTopic(input, { partitions: 1 });
        const bad = log.beginTransaction();
        bad.append(topic, [{ value: bytes('lost'), partition: 0 }]);
        bad.commitOffsets(group, [{ topic: input, partition: 0, offset: 1 }]);
        bad.append(topic, [{ value: bytes('x'), partition: 5 }]);
        await assert.rejects(bad.commit(), (e: unknown) =>
          isStreamsightError(e, 'SS_ERR_PARTITION_NOT_FOUND'),
        );
        const good = log.beginTransaction();
        good.append(topic, [{ value: bytes('kept'), partition: 0 }]);
        good.commitOffsets(group, [{ topic: input, partition: 0, offset: 1 }]);
        await good.commit();
        const values = (await log.fetch(topic, 0, 0)).records.map((r) => new TextDecoder().decode(r.value!));
        assert.deepEqual(values, ['kept']);
      }),
    );
  });
}
