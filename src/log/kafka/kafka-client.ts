/**
 * The adapter's connection to a Kafka cluster: broker connections, cached metadata (partition leaders,
 * group and transaction coordinators) and the retry loop every request goes through.
 *
 * Requests go over one shared connection per broker, pipelined. A broker answers the requests of one
 * connection strictly in order, so a fetch that long-polls would hold up everything queued behind it:
 * fetches that may wait borrow a "lane" instead, a connection pool of their own, returned when the
 * response arrives.
 *
 * Retries. Kafka reports transient trouble as error codes (a leader moved, a coordinator is loading,
 * replicas are behind) or as a dropped connection (a broker restarts). Those are retried with backoff
 * (50 ms doubling to 1 s) for up to `retryTimeoutMs`, refreshing metadata when the routing may be stale,
 * and each retry is reported through `onRetry` so a stalled worker says why. Everything else fails at once.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Connection,
  ConnectionPool,
  FindCoordinatorKeyTypes,
  findCoordinatorV6,
  metadataV12,
} from '@platformatic/kafka';
import { StreamsightError } from '../../errors/index.ts';
import { connectionError, isStaleRouting, KafkaCode, kafkaError } from './kafka-errors.ts';

/** A broker address. */
export interface BrokerAddress {
  host: string;
  port: number;
}

/** What the client knows about a topic. */
export interface TopicRoute {
  name: string;
  id: string;
  /** Leader node id per partition (-1: none at the moment). */
  leaders: number[];
}

/** One retry of a failed request, as reported to `onRetry`. */
export interface RetryEvent {
  operation: string;
  attempt: number;
  delayMs: number;
  error: StreamsightError;
}

export interface KafkaClientOptions {
  brokers: BrokerAddress[];
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retryTimeoutMs: number;
  onRetry: (event: RetryEvent) => void;
}

/** A protocol API of the client library: `async(connection, ...args)` sends one request. */
interface Api<A extends unknown[], R> {
  async: (connection: Connection, ...args: A) => Promise<R>;
}

const MAX_LANES = 64;

/**
 * Connections, metadata and retries for one cluster.
 *
 * @example
 * const client = new KafkaClient({ brokers: [{ host: '127.0.0.1', port: 9092 }], clientId: 'ss', ... });
 * const route = await client.route('orders');
 */
export class KafkaClient {
  readonly options: KafkaClientOptions;
  readonly #shared: ConnectionPool;
  readonly #idleLanes: ConnectionPool[] = [];
  readonly #allLanes: ConnectionPool[] = [];
  readonly #nodes = new Map<number, BrokerAddress>();
  readonly #topics = new Map<string, TopicRoute>();
  readonly #coordinators = new Map<string, number>();
  #closed = false;

  constructor(options: KafkaClientOptions) {
    this.options = options;
    this.#shared = this.#newPool();
  }

  #newPool(): ConnectionPool {
    const pool = new ConnectionPool(this.options.clientId, {
      connectTimeout: this.options.connectTimeoutMs,
      requestTimeout: this.options.requestTimeoutMs,
      maxInflights: 64,
    });
    // A pool emits errors for failed connections; the request that needed it reports them.
    pool.on('error', () => {});
    return pool;
  }

  /** Sends one request; a response carrying error codes is returned for the caller to inspect. */
  async send<A extends unknown[], R>(api: Api<A, R>, connection: Connection, ...args: A): Promise<R> {
    try {
      return await api.async(connection, ...args);
    } catch (error) {
      const response = (error as { response?: unknown }).response;
      if ((error as { code?: string }).code === 'PLT_KFK_RESPONSE' && response !== undefined)
        return response as R;
      throw connectionError(error, `request to ${connection.host}:${connection.port}`);
    }
  }

  /** The shared connection to a node (by id) or to an address. */
  async connection(node: number | BrokerAddress): Promise<Connection> {
    this.#checkOpen();
    const address = typeof node === 'number' ? this.#nodes.get(node) : node;
    if (address === undefined) {
      this.invalidate();
      throw new StreamsightError('SS_ERR_KAFKA', `broker ${node} is not in the cluster metadata`, {
        retriable: true,
        details: { node, staleRouting: true },
      });
    }
    try {
      return await this.#shared.get(address);
    } catch (error) {
      throw connectionError(error, `connect to ${address.host}:${address.port}`);
    }
  }

  /** A connection to any reachable broker: known nodes first, then the bootstrap list. */
  async anyConnection(): Promise<Connection> {
    this.#checkOpen();
    const candidates = [...this.#nodes.values(), ...this.options.brokers];
    try {
      return await this.#shared.getFirstAvailable(candidates);
    } catch (error) {
      throw connectionError(
        error,
        `no Kafka broker reachable (${this.options.brokers.map((b) => `${b.host}:${b.port}`).join(',')})`,
      );
    }
  }

  /**
   * Runs `body` with a connection of its own to `node`, for requests that wait at the broker (long
   * polls). The lane goes back to the pool when `body` settles, even if the caller stopped waiting.
   */
  async withLane<T>(node: number, body: (connection: Connection) => Promise<T>): Promise<T> {
    this.#checkOpen();
    const address = this.#nodes.get(node);
    if (address === undefined) return body(await this.connection(node));
    let lane = this.#idleLanes.pop();
    if (lane === undefined) {
      if (this.#allLanes.length >= MAX_LANES) return body(await this.connection(node));
      lane = this.#newPool();
      this.#allLanes.push(lane);
    }
    try {
      let connection: Connection;
      try {
        connection = await lane.get(address);
      } catch (error) {
        throw connectionError(error, `connect to ${address.host}:${address.port}`);
      }
      return await body(connection);
    } finally {
      if (!this.#closed) this.#idleLanes.push(lane);
    }
  }

  /** Forgets cached leaders and coordinators; the next lookups ask the cluster again. */
  invalidate(): void {
    this.#topics.clear();
    this.#coordinators.clear();
  }

  /** Reads metadata for `topics` (all topics with null) and caches it. Unknown topics are dropped. */
  async refresh(topics: string[] | null): Promise<Map<string, TopicRoute>> {
    const connection = await this.anyConnection();
    const response = await this.send(metadataV12.api, connection, topics, false, false);
    for (const broker of response.brokers) {
      this.#nodes.set(broker.nodeId, { host: broker.host, port: broker.port });
    }
    const found = new Map<string, TopicRoute>();
    if (topics === null) this.#topics.clear();
    for (const t of response.topics) {
      if (t.name == null) continue;
      if (t.errorCode === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) {
        this.#topics.delete(t.name);
        continue;
      }
      if (t.errorCode !== 0) throw kafkaError(t.errorCode, 'Metadata', { topic: t.name });
      if (t.isInternal || t.name.startsWith('__')) continue;
      const leaders: number[] = [];
      for (const p of t.partitions) leaders[p.partitionIndex] = p.errorCode === 0 ? p.leaderId : -1;
      const route: TopicRoute = { name: t.name, id: t.topicId, leaders };
      this.#topics.set(t.name, route);
      found.set(t.name, route);
    }
    return found;
  }

  /** The topic's route from the cache, or from the cluster; undefined when the topic does not exist. */
  async route(topic: string, fresh = false): Promise<TopicRoute | undefined> {
    if (!fresh) {
      const cached = this.#topics.get(topic);
      if (cached !== undefined) return cached;
    }
    return (await this.refresh([topic])).get(topic);
  }

  /** The leader's node id of a partition; a retriable error while there is none. */
  leaderOf(route: TopicRoute, partition: number): number {
    const leader = route.leaders[partition];
    if (leader === undefined || leader < 0) {
      this.#topics.delete(route.name);
      throw kafkaError(5, 'Metadata', { topic: route.name, partition });
    }
    return leader;
  }

  /** Node ids of every known broker (after at least one metadata request). */
  async nodes(): Promise<number[]> {
    if (this.#nodes.size === 0) await this.refresh([]);
    return [...this.#nodes.keys()];
  }

  /** The node coordinating a consumer group or a transactional id. */
  async coordinator(type: 'group' | 'transaction', key: string): Promise<number> {
    const cacheKey = `${type}:${key}`;
    const cached = this.#coordinators.get(cacheKey);
    if (cached !== undefined) return cached;
    const keyType = type === 'group' ? FindCoordinatorKeyTypes.GROUP : FindCoordinatorKeyTypes.TRANSACTION;
    const response = await this.send(findCoordinatorV6.api, await this.anyConnection(), keyType, [key]);
    const found = response.coordinators[0];
    if (found === undefined) throw kafkaError(15, 'FindCoordinator', { key });
    if (found.errorCode !== 0)
      throw kafkaError(found.errorCode, 'FindCoordinator', { key }, found.errorMessage);
    this.#nodes.set(found.nodeId, { host: found.host, port: found.port });
    this.#coordinators.set(cacheKey, found.nodeId);
    return found.nodeId;
  }

  /**
   * Runs `attempt` until it succeeds, fails with a non-retriable error, or `retryTimeoutMs` passes.
   * Stale routing is dropped before the next attempt.
   */
  async retry<T>(operation: string, attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + this.options.retryTimeoutMs;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (thrown) {
        const error = connectionError(thrown, operation);
        if (!error.retriable || this.#closed || signal?.aborted || Date.now() >= deadline) throw error;
        if (isStaleRouting(error)) this.invalidate();
        const delayMs = Math.min(1000, 50 * 2 ** Math.min(n - 1, 5));
        this.options.onRetry({ operation, attempt: n, delayMs, error });
        await sleep(delayMs);
        this.#checkOpen();
      }
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the Kafka log is closed');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#shared.close(), ...this.#allLanes.map((lane) => lane.close())]);
  }
}
