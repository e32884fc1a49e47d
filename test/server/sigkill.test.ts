import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from './harness.ts';

const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const appPath = join(import.meta.dirname, 'fixtures', 'shop-app.ts');

/** `streamsight run` on the shop app in a child process; resolves with its server.json once listening. */
async function startChild(
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; key: string; output: () => string }> {
  await rm(join(dataDir, 'server.json'), { force: true }); // a SIGKILLed server leaves it behind
  const child = spawn(
    process.execPath,
    [main, '--data-dir', dataDir, 'run', appPath, '--workers', '0', '--port', '0', '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    // server.json is written once the server listens; the dashboard line is printed just after it.
    const info: { url: string; key: string } = (await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      if (!output.includes('dashboard: ')) return undefined;
      try {
        return JSON.parse(await readFile(join(dataDir, 'server.json'), 'utf8')) as {
          url: string;
          key: string;
        };
      } catch {
        return undefined;
      }
    }, 60_000)) as { url: string; key: string };
    assert.match(output, new RegExp(`dashboard: ${info.url} {2}admin key: ss_`));
    return { child, ...info, output: () => output };
  } catch (err) {
    child.kill('SIGKILL'); // never leave a server behind: it would keep the test process alive
    throw err;
  }
}

describe('acknowledged records survive a SIGKILL of the server', { timeout: 180_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamsight-sigkill-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back every record acknowledged with 202 after a restart', async () => {
    const first = await startChild(dir);
    const acked = new Map<string, { user: string; amount: number; at: number }>();
    let n = 0;
    let stop = false;
    const producer = async () => {
      while (!stop) {
        const batch = Array.from({ length: 50 }, () => ({ user: `u${n % 17}`, amount: n, at: n++ }));
        const res = await fetch(`${first.url}/api/v1/topics/orders/records`, {
          method: 'POST',
          headers: { authorization: `Bearer ${first.key}`, 'content-type': 'application/x-ndjson' },
          body: batch.map((b) => JSON.stringify(b)).join('\n'),
        }).catch(() => undefined);
        if (!res) return; // the server is gone
        if (res.status !== 202) continue;
        const { offsets } = (await res.json()) as { offsets: { partition: number; offset: number }[] };
        for (const [i, o] of offsets.entries()) acked.set(`${o.partition}:${o.offset}`, batch[i]);
      }
    };
    const producers = [producer(), producer(), producer()];
    await eventually(() => acked.size >= 2000, 60_000).finally(() => first.child.kill('SIGKILL'));
    await new Promise((r) => first.child.once('exit', r));
    stop = true;
    await Promise.all(producers);

    const second = await startChild(dir);
    try {
      const found = new Map<string, unknown>();
      for (const partition of [0, 1]) {
        let from = 0;
        for (;;) {
          const res = await fetch(
            `${second.url}/api/v1/topics/orders/records?partition=${partition}&from=${from}&limit=1000`,
            { headers: { authorization: `Bearer ${second.key}` } },
          );
          assert.equal(res.status, 200);
          const page = (await res.json()) as {
            records: { partition: number; offset: number; value: unknown }[];
            next: { offset: number } | null;
          };
          for (const r of page.records) found.set(`${r.partition}:${r.offset}`, r.value);
          if (!page.next) break;
          from = page.next.offset;
        }
      }
      let missing = 0;
      for (const [id, value] of acked) {
        if (!found.has(id)) missing++;
        else assert.deepEqual(found.get(id), value, id);
      }
      assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged records lost`);
    } finally {
      second.child.kill('SIGINT');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
