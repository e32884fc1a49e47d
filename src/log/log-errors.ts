/** The coded errors every `Log` implementation raises the same way (the contract suite checks them). */

import { StreamsightError } from '../errors/index.ts';

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
