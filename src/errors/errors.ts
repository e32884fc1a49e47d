/**
 * Errors are data: one class, a closed set of string codes, a `cause` and a `retriable` flag.
 * Every code is documented in docs/errors.md; add a code there when you add it here.
 */

/** Every error code Streamsight raises. */
export const ErrorCodes = {
  /** An option or configuration value is invalid. */
  SS_ERR_INVALID_OPTION: 'an option or configuration value is invalid',
  /** A command-line flag or argument is invalid. */
  SS_ERR_INVALID_ARGUMENT: 'a command-line flag or argument is invalid',
  /** The topic does not exist. */
  SS_ERR_TOPIC_NOT_FOUND: 'the topic does not exist',
  /** A topic with this name exists already with another configuration. */
  SS_ERR_TOPIC_EXISTS: 'the topic exists already',
  /** The partition does not exist in the topic. */
  SS_ERR_PARTITION_NOT_FOUND: 'the partition does not exist',
  /** The requested offset is below the log start (removed by retention) or above its end. */
  SS_ERR_OFFSET_OUT_OF_RANGE: 'the offset is out of range',
  /** A record handed to the log is malformed (key or value not bytes, timestamp not finite, header not a string). */
  SS_ERR_INVALID_RECORD: 'the record handed to the log is malformed',
  /** The log or store was closed. */
  SS_ERR_CLOSED: 'the component is closed',
  /** A transaction was used after commit or abort. */
  SS_ERR_TRANSACTION_STATE: 'the transaction was used after commit or abort',
  /** The storage layer failed (disk full, corrupted file, I/O error). */
  SS_ERR_STORAGE: 'the storage layer failed',
  /** A record's bytes could not be decoded. */
  SS_ERR_DECODE: 'the record could not be decoded',
  /** A record failed its topic's schema. */
  SS_ERR_SCHEMA: 'the record failed schema validation',
  /** User code (map, filter, aggregator, ...) threw while processing a record. */
  SS_ERR_USER_CODE: 'user code threw while processing a record',
  /** A record arrived after its window closed (beyond allowed lateness). */
  SS_ERR_LATE_RECORD: 'the record arrived after its window closed',
  /** A pipeline definition is invalid (for example inputs that are not co-partitioned). */
  SS_ERR_INVALID_PIPELINE: 'the pipeline definition is invalid',
  /** A CEP runtime rule (or rule command) is invalid; `details.path` names the offending part. */
  SS_ERR_INVALID_RULE: 'the rule is invalid',
  /** A CEP runtime rule with this id is active already. */
  SS_ERR_RULE_EXISTS: 'a rule with this id is active already',
  /** The app has no active CEP runtime rule with this id. */
  SS_ERR_RULE_NOT_FOUND: 'the rule does not exist',
  /** The app is unknown or could not be loaded. */
  SS_ERR_APP_NOT_FOUND: 'the app is unknown or could not be loaded',
  /** A line of an input file is malformed. */
  SS_ERR_MALFORMED_LINE: 'a line of the input file is malformed',
  /** The input file could not be read. */
  SS_ERR_FILE: 'the input file could not be read',
  /** A worker thread failed. */
  SS_ERR_WORKER: 'a worker thread failed',
  /** Serialised model or detector bytes could not be decoded (foreign bytes, unknown kind or version). */
  SS_ERR_MODEL_DECODE: 'the serialised model could not be decoded',
  /** The model store has no such model or version. */
  SS_ERR_MODEL_NOT_FOUND: 'the model or model version does not exist',
  /** The operation was aborted through its AbortSignal. */
  SS_ERR_ABORTED: 'the operation was aborted',
  /** A rating handed to a recommender has no usable user or item id, or a rating that is not a finite number. */
  SS_ERR_INVALID_RATING: 'the rating is invalid',
  /** A numerical routine failed (a matrix that must be positive definite is not, values overflowed). */
  SS_ERR_NUMERIC: 'a numerical routine failed',
  /** A view read names an unknown column, a bad order or a bad page. */
  SS_ERR_INVALID_QUERY: 'the view query is invalid',
  /** A SQL statement is not one read-only statement (writes, DDL, several statements, file or network access). */
  SS_ERR_QUERY_REJECTED: 'the SQL statement is not allowed',
  /** A SQL statement ran past its time limit and was cancelled. */
  SS_ERR_QUERY_TIMEOUT: 'the SQL statement ran past its time limit',
  /** The view does not exist (in this app). */
  SS_ERR_VIEW_NOT_FOUND: 'the view does not exist',
  /** No valid credential (API key or session) was given. */
  SS_ERR_UNAUTHORIZED: 'no valid credential was given',
  /** The credential is valid but lacks the scope the route needs. */
  SS_ERR_FORBIDDEN: 'the credential lacks the scope',
  /** The request body exceeds the configured limit. */
  SS_ERR_PAYLOAD_TOO_LARGE: 'the request body is too large',
  /** The client sent more requests than its rate limit allows. */
  SS_ERR_RATE_LIMITED: 'too many requests',
  /** An external service (Kafka, PostgreSQL, Redis, a WebSocket source) could not be reached or dropped the connection. */
  SS_ERR_CONNECTION: 'an external service could not be reached',
  /** The Kafka broker or client returned an error that is not a lost connection. */
  SS_ERR_KAFKA: 'the Kafka broker returned an error',
  /** A newer worker took over the task (Kafka transactional fencing): this worker's commit was refused. */
  SS_ERR_FENCED: 'a newer worker owns the task',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface StreamsightErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  /** Extra structured facts (topic, partition, offset, ...) for logs and dead letters. */
  details?: Record<string, unknown>;
}

/**
 * The one error class of Streamsight.
 *
 * @example
 * throw new StreamsightError('SS_ERR_TOPIC_NOT_FOUND', `topic "${name}" does not exist`, { details: { topic: name } });
 */
export class StreamsightError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: StreamsightErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamsightError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/** True when `err` is a StreamsightError, optionally with the given code. */
export function isStreamsightError(err: unknown, code?: ErrorCode): err is StreamsightError {
  return err instanceof StreamsightError && (code === undefined || err.code === code);
}
