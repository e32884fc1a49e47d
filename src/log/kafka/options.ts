import { StreamsightError } from '../../errors/index.ts';
import type { BrokerAddress, RetryEvent } from './kafka-client.ts';

/**
 * Options of {@link openKafkaLog}. Only `brokers` is required.
 *
 * @example
 * await openKafkaLog({ brokers: '127.0.0.1:9092', clientId: 'worker-1' });
 */
export interface KafkaLogOptions {
  /** Bootstrap brokers: `host:port[,host:port]`, a `kafka://host:port[,host:port]` URL, or a list. */
  brokers: string | string[];
  /** Prefix of the client id and of anonymous transactional ids (default `streamsight`). */
  clientId?: string;
  /** Replication factor of topics the log creates (default: 3, or fewer when the cluster is smaller). */
  replicationFactor?: number;
  /** How long a request keeps being retried through transient failures, in ms (default 120,000). */
  retryTimeoutMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** The broker aborts a transaction left open this long (a crashed worker's), in ms (default 60,000). */
  transactionTimeoutMs?: number;
  /** Told about every retry; default: a line on stderr, at most one per operation kind and second. */
  onRetry?: (event: RetryEvent) => void;
}

export interface ResolvedKafkaLogOptions {
  brokers: BrokerAddress[];
  clientId: string;
  replicationFactor: number | undefined;
  retryTimeoutMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  transactionTimeoutMs: number;
  onRetry: (event: RetryEvent) => void;
}

const NUMBERS = {
  retryTimeoutMs: [0, 86_400_000, 120_000],
  connectTimeoutMs: [100, 600_000, 5_000],
  requestTimeoutMs: [1_000, 600_000, 35_000],
  transactionTimeoutMs: [1_000, 900_000, 60_000],
  replicationFactor: [1, 32, undefined],
} as const;

/**
 * Parses `kafka://host:port[,host:port]` (or the bare list) into broker addresses.
 *
 * @example
 * parseKafkaBrokers('kafka://127.0.0.1:9092,127.0.0.1:9093'); // [{ host: '127.0.0.1', port: 9092 }, ...]
 */
export function parseKafkaBrokers(spec: string | string[]): BrokerAddress[] {
  const list = Array.isArray(spec) ? spec : [spec];
  const out: BrokerAddress[] = [];
  for (const item of list) {
    if (typeof item !== 'string') throw invalid('brokers', `broker ${String(item)} is not a string`);
    const bare = item
      .trim()
      .replace(/^kafka:\/\//, '')
      .replace(/\/+$/, '');
    for (const part of bare.split(',')) {
      const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(part.trim());
      const port = match ? Number(match[2]) : 0;
      if (!match || port < 1 || port > 65535) {
        throw invalid(
          'brokers',
          `broker "${part}" in "${item}" is not host:port (e.g. kafka://127.0.0.1:9092)`,
        );
      }
      out.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
    }
  }
  if (out.length === 0) throw invalid('brokers', 'no broker given; expected kafka://host:port[,host:port]');
  return out;
}

const lastLogged = new Map<string, number>();

/** The default retry report: one stderr line per operation kind and error per second. */
function logRetry(event: RetryEvent): void {
  const kind = `${event.operation.split(' ')[0]}:${event.error.code}`;
  const now = Date.now();
  if (now - (lastLogged.get(kind) ?? 0) < 1000) return;
  lastLogged.set(kind, now);
  process.stderr.write(
    `streamsight kafka: ${event.operation} failed (${event.error.code}: ${event.error.message}); ` +
      `retrying in ${event.delayMs} ms (attempt ${event.attempt})\n`,
  );
}

/** Validates the options once and fills in the defaults; throws SS_ERR_INVALID_OPTION. */
export function resolveKafkaLogOptions(options: KafkaLogOptions): ResolvedKafkaLogOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', `options are ${String(options)}; expected an object with brokers`);
  }
  const known = new Set(['brokers', 'clientId', 'onRetry', ...Object.keys(NUMBERS)]);
  for (const name of Object.keys(options)) {
    if (!known.has(name))
      throw invalid(name, `unknown option "${name}"; expected one of ${[...known].join(', ')}`);
  }
  const numbers: Record<string, number | undefined> = {};
  for (const [name, [min, max, fallback]] of Object.entries(NUMBERS)) {
    const value = (options as unknown as Record<string, unknown>)[name];
    if (value === undefined) numbers[name] = fallback;
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(name, `option "${name}" is ${String(value)}; expected an integer from ${min} to ${max}`);
    } else numbers[name] = value;
  }
  const clientId = options.clientId ?? 'streamsight';
  if (typeof clientId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(clientId)) {
    throw invalid(
      'clientId',
      `option "clientId" is ${JSON.stringify(clientId)}; expected 1 to 100 of A-Z a-z 0-9 . _ -`,
    );
  }
  if (options.onRetry !== undefined && typeof options.onRetry !== 'function') {
    throw invalid('onRetry', 'option "onRetry" must be a function');
  }
  return {
    brokers: parseKafkaBrokers(options.brokers),
    clientId,
    replicationFactor: numbers.replicationFactor,
    retryTimeoutMs: numbers.retryTimeoutMs!,
    connectTimeoutMs: numbers.connectTimeoutMs!,
    requestTimeoutMs: numbers.requestTimeoutMs!,
    transactionTimeoutMs: numbers.transactionTimeoutMs!,
    onRetry: options.onRetry ?? logRetry,
  };
}

function invalid(option: string, message: string): StreamsightError {
  return new StreamsightError('SS_ERR_INVALID_OPTION', `Kafka log: ${message}`, { details: { option } });
}
