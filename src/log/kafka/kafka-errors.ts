/**
 * Kafka's numeric error codes mapped onto Streamsight's coded errors.
 *
 * Three kinds matter to callers: errors worth retrying (a leader moved, a coordinator is loading, the
 * broker is unreachable), fencing (another producer took over a transactional id: the work of this
 * one must stop, never retry) and everything else (a bug or a misconfiguration: fail loudly).
 */

import { protocolErrorsCodesById } from '@platformatic/kafka';
import { StreamsightError } from '../../errors/index.ts';

/** Codes used by name in the adapter. */
export const KafkaCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  GROUP_ID_NOT_FOUND: 69,
  UNSTABLE_OFFSET_COMMIT: 88,
  PRODUCER_FENCED: 90,
  UNKNOWN_TOPIC_ID: 100,
} as const;

/** Transient conditions: metadata is stale, a coordinator moves or loads, replicas catch up. */
const RETRIABLE = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION (metadata not yet propagated; the callers check existence first)
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  7, // REQUEST_TIMED_OUT
  8, // BROKER_NOT_AVAILABLE
  9, // REPLICA_NOT_AVAILABLE
  13, // NETWORK_EXCEPTION
  14, // COORDINATOR_LOAD_IN_PROGRESS
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  41, // NOT_CONTROLLER
  51, // CONCURRENT_TRANSACTIONS
  56, // KAFKA_STORAGE_ERROR
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  88, // UNSTABLE_OFFSET_COMMIT
  89, // THROTTLING_QUOTA_EXCEEDED
  100, // UNKNOWN_TOPIC_ID
]);

/** Codes after which the cached leaders or coordinators are wrong. */
const STALE_ROUTING = new Set([3, 5, 6, 8, 9, 13, 14, 15, 16, 41, 74, 75, 100]);

const FENCED = new Set([
  KafkaCode.INVALID_PRODUCER_EPOCH,
  KafkaCode.PRODUCER_FENCED,
  52 /* TRANSACTIONAL_ID_AUTHORIZATION */,
]);

/** The broker's name for an error code, e.g. `NOT_LEADER_OR_FOLLOWER`. */
export function kafkaErrorName(code: number): string {
  return (protocolErrorsCodesById as Record<number, string>)[code] ?? `KAFKA_ERROR_${code}`;
}

/**
 * A coded error for a non-zero Kafka error code returned by `api`.
 *
 * @example
 * if (partition.errorCode !== 0) throw kafkaError(partition.errorCode, 'Produce', { topic, partition: 0 });
 */
export function kafkaError(
  code: number,
  api: string,
  details: Record<string, unknown> = {},
  serverMessage?: string | null,
): StreamsightError {
  const name = kafkaErrorName(code);
  const suffix = serverMessage ? `: ${serverMessage}` : '';
  if (FENCED.has(code)) {
    return new StreamsightError(
      'SS_ERR_FENCED',
      `${api}: ${name}${suffix} — a newer producer owns this transactional id`,
      { details: { ...details, kafkaCode: code, kafkaError: name } },
    );
  }
  return new StreamsightError('SS_ERR_KAFKA', `${api}: ${name}${suffix}`, {
    retriable: RETRIABLE.has(code),
    details: { ...details, kafkaCode: code, kafkaError: name, staleRouting: STALE_ROUTING.has(code) },
  });
}

/** True when the error says the cached metadata or coordinator should be looked up again. */
export function isStaleRouting(error: unknown): boolean {
  return (
    error instanceof StreamsightError &&
    (error.code === 'SS_ERR_CONNECTION' || error.details.staleRouting === true)
  );
}

/**
 * Wraps an error thrown by the client library (socket closed, connect refused, request timeout) as a
 * retriable SS_ERR_CONNECTION; StreamsightErrors pass through.
 */
export function connectionError(error: unknown, what: string): StreamsightError {
  if (error instanceof StreamsightError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StreamsightError('SS_ERR_CONNECTION', `${what}: ${message}`, {
    retriable: true,
    cause: error,
    details: { staleRouting: true },
  });
}
