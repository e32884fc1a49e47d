/** Terminal progress bars for long reads (file replay, model training); cli-progress loads only when one is drawn. */

import type { SingleBar } from 'cli-progress';

export interface ProgressBarOptions {
  /** The word before the bar, e.g. 'replay'. */
  title: string;
  /** Counters shown after the percentage, in order; each starts at 0 and `bar.update` sets them. */
  counters: readonly string[];
  /** Where to draw: stderr keeps stdout clean for machine-readable output. */
  stream: NodeJS.WriteStream;
}

/**
 * Starts a bar over `total` units (bytes, records).
 *
 * @example
 * const bar = await startProgressBar(size, { title: 'reading', counters: ['rows'], stream: process.stderr });
 * bar.update(bytesRead, { rows });
 * bar.stop();
 */
export async function startProgressBar(total: number, options: ProgressBarOptions): Promise<SingleBar> {
  const { SingleBar, Presets } = await import('cli-progress');
  const counters = options.counters.map((c) => ` | {${c}} ${c}`).join('');
  const bar = new SingleBar(
    {
      format: `${options.title} |{bar}| {percentage}%${counters} | ETA {eta_formatted}`,
      stream: options.stream,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, Object.fromEntries(options.counters.map((c) => [c, 0])));
  return bar;
}
