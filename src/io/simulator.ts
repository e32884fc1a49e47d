/**
 * Simulators feed an app's topics with generated records while the app runs (`streamsight run`),
 * so every example app works with no external source. A simulator resumes where the log says it
 * stopped, so a restarted demo continues its stream instead of starting over.
 */

import type { Log } from '../log/log.ts';

export interface SimulatorOptions {
  signal: AbortSignal;
  /** Records per second; each simulator has its own default. */
  rate?: number;
}

export interface Simulator {
  readonly name: string;
  /** Produces until the signal aborts; resolves then. */
  run(log: Log, options: SimulatorOptions): Promise<void>;
}
