import { BroadcastChannel } from 'node:worker_threads';

/**
 * Wakes fetches that wait for records (`maxWaitMs`) when their partition grows. Appends come from
 * three distances, and each needs its own signal:
 *
 * - this log instance: `notify()` after each of its commits wakes the waiters directly;
 * - other instances in this process (worker threads, or a second instance in this thread): the same
 *   `notify()` posts the partitions on a `BroadcastChannel` named after the environment's path;
 * - other processes: nothing reaches across cheaply, so every waiter also polls `grown()` every
 *   `pollIntervalMs`.
 *
 * A wake-up only means "look again": the fetch re-reads the log and returns what is there.
 */
export class AppendNotifier {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #channel: BroadcastChannel;
  readonly #pollIntervalMs: number;
  #closed = false;

  constructor(channelName: string, pollIntervalMs: number) {
    this.#pollIntervalMs = pollIntervalMs;
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event) => {
      for (const key of event.data as string[]) this.#wake(key);
    };
    // The channel must not keep a process alive that has nothing else to do.
    this.#channel.unref();
  }

  /** Announces appends to these partitions (see {@link partitionKey}) here and in other threads. */
  notify(keys: string[]): void {
    for (const key of keys) this.#wake(key);
    if (!this.#closed) this.#channel.postMessage(keys);
  }

  /**
   * Resolves when the partition may have grown, when `timeoutMs` has passed or when `signal` aborts,
   * whichever comes first. `grown` is polled for appends from other processes.
   */
  wait(key: string, timeoutMs: number, signal: AbortSignal | undefined, grown: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) this.#waiters.set(key, (waiters = new Set()));
      const done = (): void => {
        clearTimeout(timeout);
        clearInterval(poll);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      waiters.add(done);
      // setTimeout fires at once for delays past 2^31 - 1 ms (24.8 days); a longer wait is that long.
      const timeout = setTimeout(done, Math.min(timeoutMs, 2 ** 31 - 1));
      const poll =
        this.#pollIntervalMs > 0
          ? setInterval(() => {
              let ready = true; // a failing read (topic deleted) also ends the wait: the fetch reports it
              try {
                ready = grown();
              } catch {}
              if (ready) done();
            }, this.#pollIntervalMs)
          : undefined;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops listening and wakes every waiter. */
  close(): void {
    this.#closed = true;
    this.#channel.close();
    for (const waiters of [...this.#waiters.values()]) for (const done of [...waiters]) done();
  }

  #wake(key: string): void {
    const waiters = this.#waiters.get(key);
    if (waiters !== undefined) for (const done of [...waiters]) done();
  }
}

/** The notifier's name for a partition. Topic names cannot contain '/'. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
