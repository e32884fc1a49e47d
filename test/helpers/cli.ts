/** The `streamsight` CLI in a child process with its output captured, and temporary data folders for it. */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The CLI's entry point, run by the current Node. */
export const CLI_MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/** How a CLI run ended: its exit code and everything it printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Called with all of stdout so far on each chunk, e.g. to stop the child once it printed enough. */
  onStdout?: (text: string, child: ChildProcess) => void;
  /** Extra environment variables for the child. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `streamsight <args>` to its exit.
 *
 * @example
 * const r = await runCli(['--data-dir', dir, 'topics', 'list', '--json']);
 * assert.equal(r.code, 0, r.stderr);
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A new empty folder under the OS temp folder, named `<prefix>XXXXXX`; the caller removes it. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
