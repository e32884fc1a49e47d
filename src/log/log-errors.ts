/** The checks and coded errors every `Log` implementation shares (the contract suite checks them). */

import { StreamsightError } from '../errors/index.ts';
import type { ProducerRecord } from './log.ts';

// Record timestamps must stay within ±2^51 ms (±71,000 years) so that the difference of two of them,
// zigzag-encoded, is still an exact integer (< 2^53).
const MAX_TIMESTAMP = 2 ** 51;

/** Checks one record handed to `append`: SS_ERR_INVALID_RECORD naming the record and what is wrong. */
export function checkRecord(topic: string, record: ProducerRecord, index: number): void {
  let problem: string | undefined;
  if (typeof record !== 'object' || record === null) problem = 'record is not an object';
  else {
    const { key, value, timestamp, headers } = record;
    if (key != null && !(key instanceof Uint8Array)) problem = 'key is not a Uint8Array or null';
    else if (value !== null && !(value instanceof Uint8Array)) problem = 'value is not a Uint8Array or null';
    else if (timestamp !== undefined && !(Math.abs(timestamp) < MAX_TIMESTAMP)) {
      problem = `timestamp ${timestamp} is not a finite number of ms within ±2^51`;
    } else if (headers !== undefined) {
      if (typeof headers !== 'object' || headers === null) problem = 'headers are not an object';
      else if (Object.values(headers).some((v) => typeof v !== 'string'))
        problem = 'a header value is not a string';
    }
  }
  if (problem !== undefined) {
    throw new StreamsightError('SS_ERR_INVALID_RECORD', `record ${index} for topic "${topic}": ${problem}`, {
      details: { topic, index },
    });
  }
}

export function invalidFetchOption(name: string, value: unknown): StreamsightError {
  return new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `fetch: ${name} is ${String(value)}; expected a positive number`,
    { details: { option: name } },
  );
}

export function topicNotFound(topic: string): StreamsightError {
  return new StreamsightError('SS_ERR_TOPIC_NOT_FOUND', `topic "${topic}" does not exist`, {
    details: { topic },
  });
}

export function partitionNotFound(topic: string, partition: number): StreamsightError {
  return new StreamsightError(
    'SS_ERR_PARTITION_NOT_FOUND',
    `topic "${topic}" has no partition ${partition}`,
    {
      details: { topic, partition },
    },
  );
}

/** `deleteRecordsBefore` past the end of a partition. */
export function deleteBeyondEnd(
  topic: string,
  partition: number,
  offset: number,
  range: { startOffset: number; endOffset: number },
): StreamsightError {
  return new StreamsightError(
    'SS_ERR_OFFSET_OUT_OF_RANGE',
    `cannot delete the records of ${topic}/${partition} below ${offset}: its end offset is ${range.endOffset}`,
    { details: { topic, partition, offset, startOffset: range.startOffset, endOffset: range.endOffset } },
  );
}
