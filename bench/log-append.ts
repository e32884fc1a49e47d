/**
 * Throughput of the embedded log: appends N records of ~150 bytes in calls of 1000 from one thread
 * (awaiting each call, then with several calls in flight), then fetches them all back, decoded.
 * Usage: node bench/log-append.ts [--records 1000000] [--per-call 1000] [--value-bytes 150]
 *   [--partitions 1] [--in-flight 8] [--linger-ms 2] [--max-batch-records 1024] [--max-records 1024]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultEmbeddedLogOptions, type Log, openEmbeddedLog, type ProducerRecord } from '../src/log/index.ts';

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
  },
});
const total = Number(values.records);
const perCall = Number(values['per-call']);
const valueBytes = Number(values['value-bytes']);
const partitions = Number(values.partitions);
const inFlight = Number(values['in-flight']);
const fetchMaxRecords = Number(values['max-records']);
const logOptions = { lingerMs: Number(values['linger-ms']), maxBatchRecords: Number(values['max-batch-records']) };

const encoder = new TextEncoder();
/** One call's records: prebuilt, so the numbers measure the log and not the test data. */
const calls: ProducerRecord[][] = Array.from({ length: Math.ceil(total / perCall) }, (_, c) =>
  Array.from({ length: Math.min(perCall, total - c * perCall) }, (_, i) => {
    const n = c * perCall + i;
    const value = new Uint8Array(valueBytes).fill(97 + (n % 26));
    return partitions === 1 ? { value, partition: 0 } : { key: encoder.encode(`bidder-${n % 10_000}`), value };
  }),
);

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

function report(what: string, records: number, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  console.log(`${what.padEnd(44)} ${Math.round(records / seconds).toLocaleString('en-US').padStart(11)} records/s  (${seconds.toFixed(2)} s)`);
}

async function appendSequentially(log: Log): Promise<void> {
  const started = performance.now();
  for (const records of calls) await log.append('bids', records);
  report(`append, calls of ${perCall}, one at a time`, total, started);
}

async function appendConcurrently(log: Log): Promise<void> {
  const started = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) await log.append('bids', calls[next++]);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  report(`append, calls of ${perCall}, ${inFlight} in flight`, total, started);
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
  report(`fetch + decode, maxRecords ${fetchMaxRecords}`, records, started);
}

console.log(
  `embedded log: ${total.toLocaleString('en-US')} records of ${valueBytes} B, ${partitions} partition(s), ` +
    `lingerMs ${logOptions.lingerMs}, maxBatchRecords ${logOptions.maxBatchRecords}, Node ${process.version}`,
);
await withLog(async (log) => {
  await appendSequentially(log);
  await fetchAll(log);
});
await withLog(appendConcurrently);
