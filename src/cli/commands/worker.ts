/**
 * `streamsight worker --app X --log kafka://...`: one member of the app's worker group on Kafka.
 *
 * Membership. Every worker joins the Kafka consumer group `<app>.workers` on a coordination topic of
 * the same name whose partition count is the app's largest stage parallelism. The group's assignment
 * of coordination partitions says which task partitions this process runs — every stage of those
 * partitions. When a member joins, leaves or dies (its session times out), Kafka rebalances and each
 * worker gets a new assignment: the worker stops its tasks (each after a final checkpoint) and starts
 * the newly assigned set, which restores state from the changelog topics and positions from the
 * committed offsets. A worker that was presumed dead but still runs is harmless: the task's new owner
 * registered the task's transactional id, so the zombie's next commit is fenced (SS_ERR_FENCED), and
 * the zombie just waits for its own rebalance.
 *
 * Handover order. Members learn a new assignment at about the same moment, so the new owner of a task
 * may start while the old owner (or a dead worker's open transaction) is still committing it. Before
 * its tasks restore, a worker therefore claims their transactional ids (`claimTransactionalIds`): that
 * fences the previous owner and makes the coordinator finish its open transaction first, so the state
 * read from the changelog and the committed input offsets always belong to the same checkpoint.
 * A worker claims the partitions new to it even before it stops the ones it loses: a dead worker's
 * open transaction holds the last stable offset of every partition it wrote, including output
 * partitions the stopping tasks write too, so their final checkpoints could not become visible (and
 * the handover would stall for the transaction timeout) until someone aborts it.
 *
 * App code is unchanged: the same app module runs embedded (`streamsight run`) or here.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { GroupAssignment } from '@platformatic/kafka';
import { Command } from 'commander';
import type { App } from '../../dataflow/app.ts';
import { compilePipeline } from '../../dataflow/compile.ts';
import { createAppTopics, type RunningApp, runApp } from '../../dataflow/runtime.ts';
import { loadAppModule } from '../../dataflow/workers.ts';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
import type { KafkaLog } from '../../log/kafka/index.ts';
import type { Log, TopicPartitionOffset } from '../../log/log.ts';
import { publishViewChanges } from '../../views/change-feed.ts';
import { materializeViews } from '../../views/materialize.ts';
import { appModule } from '../apps.ts';
import {
  type Config,
  openConfiguredLog,
  openConfiguredViewStore,
  parseCount,
  resolveConfig,
} from '../config.ts';

export interface WorkerOptions {
  app: string;
  log?: string;
  /**
   * The view store (default: STREAMSIGHT_VIEWS). With a `postgres://` store the worker materializes
   * the views of its own tasks there and publishes the stored rows on `<app>.view-changes`, where
   * `streamsight serve` follows them; without one, views stay in the worker's memory.
   */
  views?: string;
  /** Consumer-group session timeout: how soon a dead worker's tasks move (default 10 s). */
  sessionTimeoutMs?: number;
  /** Stop after this long (tests and benchmarks); default: until SIGINT/SIGTERM. */
  durationMs?: number;
  /** Where status lines go (default stderr). */
  say?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs one worker until the signal aborts (or `durationMs` passes).
 *
 * @example
 * const controller = new AbortController();
 * await runWorker({ app: 'apps/shop/app.ts', log: 'kafka://127.0.0.1:9092', signal: controller.signal });
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = resolveConfig({ log: options.log, views: options.views });
  if (config.log.kind !== 'kafka') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'streamsight worker needs a Kafka log: pass --log kafka://host:port or set STREAMSIGHT_LOG',
    );
  }
  const { app } = await loadAppModule(appModule(options.app));
  const log = (await openConfiguredLog(config, `${app.name}.worker`)) as KafkaLog;
  const compiled = app.pipelines.map((p) => compilePipeline(app, p));
  const partitions = Math.max(1, ...compiled.flatMap((c) => c.stages.map((s) => s.partitions)));
  const group = `${app.name}.workers`;
  await createAppTopics(app, log, compiled);
  await log.createTopic(group, { partitions });
  const views =
    config.views.kind === 'postgres' ? await materializeOnStore(app, log, config, say) : undefined;

  // Loaded here, not at the top: every CLI command imports this module, and only workers need Kafka.
  const [{ parseKafkaBrokers, transactionalIdFor }, { Consumer }] = await Promise.all([
    import('../../log/kafka/index.ts'),
    import('@platformatic/kafka'),
  ]);
  const brokers = parseKafkaBrokers(config.log.url).map((b) => `${b.host}:${b.port}`);
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const consumer = new Consumer({
    clientId: `${app.name}.worker`,
    bootstrapBrokers: brokers,
    groupId: group,
    sessionTimeout,
    heartbeatInterval: Math.max(100, Math.floor(sessionTimeout / 5)),
    rebalanceTimeout: sessionTimeout,
    retries: 1_000_000,
    retryDelay: 500,
  });
  consumer.topics.trackAll(group);

  let running: RunningApp | undefined;
  /** The partitions `running` runs. */
  let runningPartitions = new Set<number>();
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;
  /** The partition set last asked for: a join event repeating it changes nothing, unless it failed. */
  let requested: string | undefined;
  let failed: string | undefined;
  /** Counts assignments: a scheduled restart is void once a newer assignment came in. */
  let generation = 0;

  const keyOf = (set: Set<number>) => [...set].sort((x, y) => x - y).join(',');

  /** The transactional ids the tasks of `assigned` commit under (see `Task` and `transactionalIdFor`). */
  const idsOf = (assigned: Set<number>): string[] => {
    const ids: string[] = [];
    for (const c of compiled) {
      for (const stage of c.stages) {
        for (const partition of assigned) {
          if (partition >= stage.partitions) continue;
          const inputs: TopicPartitionOffset[] = stage.inputs
            .filter((i) => i.kind !== 'broadcast')
            .map((i) => ({ topic: i.topic, partition, offset: 0 }));
          const id = transactionalIdFor(new Map([[stage.prefix, inputs]]));
          if (id !== undefined) ids.push(id);
        }
      }
    }
    return ids;
  };

  /** Starts `assigned` again after `delayMs`, unless a newer assignment came in meanwhile. */
  const restartLater = (assigned: Set<number>, delayMs: number) => {
    const scheduled = generation;
    failed = keyOf(assigned);
    void sleep(delayMs).then(() => {
      if (stopping || generation !== scheduled) return;
      const next = ++generation;
      chain = chain.then(() => start(assigned, next));
    });
  };

  const start = async (assigned: Set<number>, scheduled: number) => {
    // A newer assignment is queued behind this one and supersedes it: claiming this one's ids now
    // would fence their rightful new owner.
    if (scheduled !== generation) return;
    const claimed = new Set<number>();
    if (running) {
      const old = running;
      const before = runningPartitions;
      running = undefined;
      // Claim the partitions new to this worker first, while the old tasks stop. Their previous owner
      // may be dead with a transaction open, and that transaction holds the last stable offset of
      // every partition it wrote — output partitions the old tasks write too. Their final
      // checkpoints are visible (and `stop` returns) only once it is aborted, which the claim does
      // at once and the broker only after the transaction timeout (60 s).
      const fresh = [...assigned].filter((p) => !before.has(p));
      const claiming =
        fresh.length > 0 && !stopping
          ? log.claimTransactionalIds(idsOf(new Set(fresh))).then(
              () => fresh,
              () => [], // claimed again below
            )
          : undefined;
      await old.stop().catch((error: unknown) => say(`worker: tasks stopped with ${describe(error)}`));
      for (const p of (await claiming) ?? []) claimed.add(p);
    }
    runningPartitions = new Set();
    if (stopping) return;
    if (assigned.size === 0) {
      say('worker: no partitions assigned');
      return;
    }
    if (scheduled !== generation) return;
    say(`worker: running partitions ${keyOf(assigned)} of ${app.name}`);
    let current: RunningApp;
    try {
      await log.claimTransactionalIds(idsOf(new Set([...assigned].filter((p) => !claimed.has(p)))));
      current = await runApp(app, {
        log,
        skipTopicCreation: true,
        taskFilter: (_pipeline, _stage, partition) => assigned.has(partition),
      });
    } catch (error) {
      say(`worker: cannot start partitions ${keyOf(assigned)}: ${describe(error)}; retrying in 1000 ms`);
      restartLater(assigned, 1000);
      return;
    }
    running = current;
    runningPartitions = assigned;
    current.done.catch((error: unknown) => {
      if (running !== current) return;
      // Fenced: a newer owner runs these tasks; the rebalance that says so is on its way and will
      // restart this worker's share. Taking them back before would fence the new owner in turn, so
      // that happens only if no assignment comes for three session timeouts. Anything else (the
      // cluster unreachable past the retry budget): start the same partitions again soon.
      const delayMs = hasCode(error, 'SS_ERR_FENCED') ? 3 * sessionTimeout : 1000;
      say(`worker: tasks failed with ${describe(error)}; restarting them in ${delayMs} ms`);
      running = undefined;
      restartLater(assigned, delayMs);
    });
  };

  const assign = (assignments: GroupAssignment[] | null) => {
    const next = new Set<number>(
      (assignments ?? []).filter((a) => a.topic === group).flatMap((a) => a.partitions),
    );
    const key = keyOf(next);
    if (key === requested && failed !== key) return;
    requested = key;
    failed = undefined;
    const scheduled = ++generation;
    chain = chain
      .then(() => start(next, scheduled))
      .catch((error: unknown) => say(`worker: cannot start tasks: ${describe(error)}`));
  };
  consumer.on(
    'consumer:group:join',
    (payload: {
      assignments?: GroupAssignment[] | null;
      generationId?: number;
      memberId?: string;
      isLeader?: boolean;
    }) => {
      const mine = (payload.assignments ?? []).filter((a) => a.topic === group).flatMap((a) => a.partitions);
      say(
        `worker: group generation ${payload.generationId} member ${payload.memberId}${payload.isLeader ? ' (leader)' : ''}: partitions ${mine.join(',') || 'none'}`,
      );
      assign(payload.assignments ?? null);
    },
  );
  consumer.on('consumer:heartbeat:error', (payload: { error?: unknown }) => {
    if (!stopping) say(`worker: group heartbeat failed (${describe(payload.error)}); rejoining`);
  });
  consumer.on('error', (error: unknown) => say(`worker: group client error: ${describe(error)}`));

  await consumer.joinGroup({
    sessionTimeout,
    heartbeatInterval: Math.max(100, Math.floor(sessionTimeout / 5)),
    rebalanceTimeout: sessionTimeout,
  });
  assign(consumer.assignments);

  await new Promise<void>((resolve) => {
    if (options.signal?.aborted) return resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
    if (options.durationMs !== undefined) setTimeout(resolve, options.durationMs).unref();
  });
  stopping = true;
  await chain;
  if (running)
    await running.stop().catch((error: unknown) => say(`worker: tasks stopped with ${describe(error)}`));
  await consumer.close(true).catch(() => {});
  await views?.close();
  await log.close();
  say('worker: stopped');
}

/**
 * Materializes the views of this worker's tasks into the shared store and publishes each stored batch
 * on the app's change feed. Each view key belongs to one task, so workers never write the same row
 * concurrently; upserts make a task's replay after a handover harmless.
 */
async function materializeOnStore(
  app: App,
  log: Log,
  config: Config,
  say: (line: string) => void,
): Promise<{ close(): Promise<void> }> {
  const store = await openConfiguredViewStore(config);
  const materializer = await materializeViews(app, store, {
    log,
    onError: (error) => say(`worker: views: ${describe(error)}`),
  });
  const unpublish = await publishViewChanges(app, materializer, log, (error) =>
    say(`worker: view change feed: ${describe(error)}`),
  );
  return {
    async close() {
      await materializer.close();
      unpublish();
      await store.close();
    },
  };
}

/** True when the error or one of its causes carries `code`. */
function hasCode(error: unknown, code: string): boolean {
  for (let e = error; e !== undefined && e !== null; e = (e as Error).cause) {
    if (isStreamsightError(e) && e.code === code) return true;
    if (!(e instanceof Error)) break;
  }
  return false;
}

function describe(error: unknown): string {
  const own = isStreamsightError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? own : `${own} (cause: ${describe(cause)})`;
}

/** The `worker` command. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('join the app’s worker group on Kafka and run its share of the tasks')
    .requiredOption('--app <name|path>', 'the app to run (a built-in name or a module path)')
    .option('--log <url>', 'kafka://host:port[,host:port] (default: STREAMSIGHT_LOG)')
    .option('--views <spec>', 'postgres://… to keep the views there (default: STREAMSIGHT_VIEWS)')
    .option('--session-timeout <ms>', 'how soon a dead worker’s tasks move to the others', '10000')
    .option('--duration <seconds>', 'stop after this many seconds (default: until SIGINT/SIGTERM)')
    .action(
      async (opts: {
        app: string;
        log?: string;
        views?: string;
        sessionTimeout: string;
        duration?: string;
      }) => {
        const controller = new AbortController();
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
        await runWorker({
          app: opts.app,
          log: opts.log,
          views: opts.views,
          sessionTimeoutMs: parseCount(opts.sessionTimeout, '--session-timeout', 1000, 600_000),
          durationMs:
            opts.duration === undefined
              ? undefined
              : parseCount(opts.duration, '--duration', 1, 86_400) * 1000,
          signal: controller.signal,
        });
      },
    );
}
