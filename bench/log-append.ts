/**
 * Throughput of the embedded log: appends N records of ~150 bytes in calls of 1000 from one thread
 * (awaiting each call, then with several calls in flight), then fetches them all back, decoded.
 * Prints the median of `--runs` runs, each on a fresh log in a temporary directory.
 * Usage: node bench/log-append.ts [--records 1000000] [--per-call 1000] [--value-bytes 150]
 *   [--partitions 1] [--in-flight 8] [--linger-ms 0] [--max-batch-records 1024] [--max-records 1024]
 *   [--runs 3]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  defaultEmbeddedLogOptions,
  type Log,
  openEmbeddedLog,
  type ProducerRecord,
} from '../src/log/index.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'per-call': { type: 'string', default: '1000' },
    'value-bytes': { type: 'string', default: '150' },
    partitions: { type: 'string', default: '1' },
    'in-flight': { type: 'string', default: '8' },
    'linger-ms': { type: 'string', default: String(defaultEmbeddedLogOptions.lingerMs) },
    'max-batch-records': { type: 'string', default: String(defaultEmbeddedLogOptions.maxBatchRecords) },
    'max-records': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
  },
});
const total = Number(values.records);
const perCall = Number(values['per-call']);
const valueBytes = Number(values['value-bytes']);
const partitions = Number(values.partitions);
const inFlight = Number(values['in-flight']);
const fetchMaxRecords = Number(values['max-records']);
const runs = Number(values.runs);
const logOptions = {
  lingerMs: Number(values['linger-ms']),
  maxBatchRecords: Number(values['max-batch-records']),
};

// Records are prebuilt, so the numbers measure the log and not the making of test data; values and
// keys are shared, so the garbage collector has little test data to walk.
const encoder = new TextEncoder();
const valuePool = Array.from({ length: 26 }, (_, i) => new Uint8Array(valueBytes).fill(97 + i));
const keyPool = Array.from({ length: 10_000 }, (_, i) => encoder.encode(`bidder-${i}`));
const calls: ProducerRecord[][] = Array.from({ length: Math.ceil(total / perCall) }, (_, c) =>
  Array.from({ length: Math.min(perCall, total - c * perCall) }, (_, i) => {
    const n = c * perCall + i;
    const value = valuePool[n % valuePool.length];
    return partitions === 1 ? { value, partition: 0 } : { key: keyPool[n % keyPool.length], value };
  }),
);

/** Records per second of each measurement, by name, over all runs. */
const rates = new Map<string, number[]>();

function record(what: string, records: number, started: number): void {
  const rate = records / ((performance.now() - started) / 1000);
  rates.set(what, [...(rates.get(what) ?? []), rate]);
}

async function withLog(body: (log: Log) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-bench-log-'));
  const log = await openEmbeddedLog({ path: dir, ...logOptions });
  try {
    await log.createTopic('bids', { partitions });
    await body(log);
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function appendSequentially(log: Log): Promise<void> {
  const started = performance.now();
  for (const records of calls) await log.append('bids', records);
  record(`append, calls of ${perCall}, one at a time`, total, started);
}

async function appendConcurrently(log: Log): Promise<void> {
  const started = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) await log.append('bids', calls[next++]);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  record(`append, calls of ${perCall}, ${inFlight} in flight`, total, started);
}

async function fetchAll(log: Log): Promise<void> {
  const started = performance.now();
  let records = 0;
  let checksum = 0;
  for (const { partition, startOffset, endOffset } of (await log.describeTopic('bids')).partitions) {
    for (let offset = startOffset; offset < endOffset; ) {
      const fetched = await log.fetch('bids', partition, offset, { maxRecords: fetchMaxRecords });
      for (const r of fetched.records) checksum += r.value![0];
      records += fetched.records.length;
      offset = fetched.nextOffset;
    }
  }
  if (records !== total || checksum === 0) throw new Error(`fetched ${records} of ${total} records`);
  record(`fetch + decode, maxRecords ${fetchMaxRecords}`, records, started);
}

console.log(
  `embedded log: ${total.toLocaleString('en-US')} records of ${valueBytes} B, ${partitions} partition(s), ` +
    `lingerMs ${logOptions.lingerMs}, maxBatchRecords ${logOptions.maxBatchRecords}, Node ${process.version}`,
);
for (let run = 0; run < runs; run++) {
  await withLog(async (log) => {
    await appendSequentially(log);
    await fetchAll(log);
  });
  await withLog(appendConcurrently);
}
for (const [what, all] of rates) {
  const sorted = [...all].sort((a, b) => a - b);
  const median = Math.round(sorted[Math.floor(sorted.length / 2)]).toLocaleString('en-US');
  const range = `${Math.round(sorted[0] / 1000)}k to ${Math.round(sorted.at(-1)! / 1000)}k`;
  console.log(`${what.padEnd(40)} ${median.padStart(11)} records/s  (median of ${all.length}: ${range})`);
}
