/**
 * The dashboard in a real browser against a real server: `streamsight run` with the Nexmark and
 * Meetup RSVP demos and the widgets app (test/browser/widgets-app.ts) on a temporary data folder; headless Debian
 * Chromium (playwright-core) signs in with the printed dev admin key, opens every page at 1280×800
 * (and the overview at phone width), and checks that records posted through the ingest API show
 * in a live table and chart within 2 s. Screenshots go to test/browser/screenshots/; with
 * STREAMSIGHT_UPDATE_SCREENSHOTS=1 they also replace the README's pictures in docs/screenshots/.
 *
 * `STREAMSIGHT_BROWSER_SERVER=<info file>` attaches to a running server instead of starting one.
 * Skips (with the reason) when /usr/bin/chromium or the built dashboard is missing.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test/browser/screenshots');
const DOCS_SHOTS = join(ROOT, 'docs/screenshots');
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(join(ROOT, 'dashboard/dist/index.html'))
    ? 'dashboard/dist is missing (npm run build)'
    : false;

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let dataDir = '';
let url = '';
let key = '';
let output = '';

/** Starts `streamsight run` and reads the dashboard URL and the dev admin key it prints. */
async function startServer(): Promise<void> {
  // To debug the UI against a server you already run, point this at its info file ({ url, key }).
  const attach = process.env.STREAMSIGHT_BROWSER_SERVER;
  if (attach) {
    ({ url, key } = JSON.parse(await readFile(attach, 'utf8')));
    return;
  }
  dataDir = await mkdtemp(join(tmpdir(), 'ss-browser-'));
  // `run` writes the URL and the generated admin key here once the server listens.
  const infoFile = join(dataDir, 'server.json');
  server = spawn(
    process.execPath,
    [
      'src/cli/main.ts',
      'run',
      'nexmark',
      'meetup-rsvp',
      'test/browser/widgets-app.ts',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--workers',
      '0',
      '--rate',
      '200',
      '--quiet',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (d) => (output += d));
  server.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}):\n${output}`);
    if (existsSync(infoFile)) {
      try {
        const info = JSON.parse(await readFile(infoFile, 'utf8'));
        url = info.url;
        key = info.key;
      } catch {}
    }
    if (!url) {
      url = output.match(/https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+/)?.[0] ?? '';
      key = output.match(/\bss_[A-Za-z0-9_-]{16,}/)?.[0] ?? '';
    }
    if (url && key) {
      const health = await fetch(`${url}/healthz`).catch(() => undefined);
      if (health?.ok) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server printed no URL and key within 30 s:\n${output}`);
}

async function post(topic: string, values: unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/v1/topics/${topic}/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(values),
  });
  assert.equal(res.status, 202, await res.text());
}

/** A country's count in the widgets app's by-country view, read through the REST API. */
async function countOf(country: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/views/widgets/by-country?where.key=${country}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const page = (await res.json()) as { rows: { value_n: number }[] };
  return page.rows[0]?.value_n ?? 0;
}

function events(country: string, n: number, lat: number, lon: number) {
  const labels = ['normal', 'probe', 'attack'];
  return Array.from({ length: n }, (_, i) => ({
    country,
    lat,
    lon,
    latencyMs: 5 + (i % 7) * 3,
    actual: labels[i % 3],
    predicted: labels[i % 5 === 0 ? (i + 1) % 3 : i % 3],
  }));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300); // let charts finish their entry animation
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Opens a page through the nav (client-side routing) or by URL, and waits for `ready`. */
async function open(page: Page, path: string, ready: string): Promise<void> {
  await page.goto(`${url}${path}`);
  await page.waitForSelector(ready, { timeout: 10_000 });
}

before(async () => {
  if (skip) return;
  await mkdir(SHOTS, { recursive: true });
  await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('dashboard: every page renders live data from a real server', { skip, timeout: 150_000 }, async () => {
  assert.ok(browser);
  // Seed the widgets app so every widget has something to draw.
  await post('widget-events', [
    ...events('US', 40, 38, -97),
    ...events('DE', 25, 51, 10),
    ...events('BR', 18, -10, -52),
    ...events('IN', 12, 21, 78),
  ]);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // Sign in with the dev admin key through the form.
  await page.goto(url);
  await page.fill('[data-testid=key-input]', key);
  await shot(page, 'login');
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('.sidenav');
  await page.waitForSelector('[data-testid=connection].conn-open', { timeout: 10_000 });

  // Overview: live numbers arrive.
  await page.waitForFunction(
    "!document.querySelector('[data-testid=stat-events-in] .stat-value')?.textContent?.startsWith('—')",
    undefined,
    { timeout: 10_000 },
  );
  await page.waitForSelector('.uplot', { timeout: 10_000 });
  await shot(page, 'overview');

  // The nav lists the apps' pages.
  const nav = (await page.locator('.sidenav').textContent()) ?? '';
  assert.match(nav, /Auctions/);
  assert.match(nav, /All widgets/);

  await open(page, '/topics', '[data-testid=topics-table] tbody tr');
  assert.match((await page.locator('[data-testid=topics-table]').textContent()) ?? '', /nexmark-events/);
  await shot(page, 'topics');

  await open(page, '/topics/nexmark-events', '[data-testid=records-table] tbody tr');
  await shot(page, 'topic-tail');
  // Find by key: the widgets topic has no keys, so look one up in the Nexmark tail.
  await page.fill('input[aria-label=key]', 'no-such-key-in-this-topic');
  await page.click('form.toolbar button[type=submit]');
  await page.waitForSelector('[data-testid=records-table] .empty', { timeout: 10_000 });

  await open(page, '/pipelines', '[data-testid=pipelines-table] tbody tr');
  await shot(page, 'pipelines');

  await open(page, '/pipelines/nexmark/hot-items', '[data-testid=pipeline-graph] .graph-node');
  await page.waitForFunction(
    "[...document.querySelectorAll('[data-testid=operator-rate]')].some((t) => /[1-9]/.test(t.textContent))",
    undefined,
    { timeout: 10_000 },
  );
  await shot(page, 'pipeline');

  await open(page, '/views', '[data-testid=views-table] tbody tr');
  await shot(page, 'views');

  await open(page, '/views/widgets/by-country', '[data-testid=view-rows] tbody tr');
  await shot(page, 'view');

  await open(page, '/query', '[data-testid=sql-editor]');
  await page.fill(
    '[data-testid=sql-editor]',
    'SELECT key, value_n FROM widgets.by_country ORDER BY value_n DESC',
  );
  await page.click('[data-testid=run-query]');
  await page.waitForSelector('[data-testid=query-result] tbody tr', { timeout: 10_000 });
  assert.match((await page.locator('[data-testid=query-result]').textContent()) ?? '', /US\s*\d+/);
  await shot(page, 'query');

  await open(page, '/dead-letters', '[data-testid=dead-letters-table]');
  await shot(page, 'dead-letters');

  await open(page, '/apps/nexmark/auctions', '[data-testid=widget-timeseries] .uplot');
  await shot(page, 'app-nexmark');

  // The Meetup page fed by its simulator: totals, the map, trending topics once the first 5-minute
  // window has fired (its watermark trails by 10 s), and the batch reports (first run after 5 s).
  await open(page, '/apps/meetup-rsvp/meetup-rsvp', '[data-testid=worldmap] canvas');
  await page.waitForFunction(
    "/[1-9]/.test(document.querySelector('[data-testid=widget-tiles]')?.textContent ?? '')",
    undefined,
    { timeout: 10_000 },
  );
  for (const title of ['Trending topics (5 min)', 'Groups today (batch)', 'Events today (batch)']) {
    await page
      .locator('[data-testid=widget-table]', { hasText: title })
      .locator('tbody tr')
      .first()
      .waitFor({ timeout: 40_000 });
  }
  await shot(page, 'app-meetup-rsvp');

  // The widgets page: every kind renders; posted records show in the table and chart within 2 s.
  await open(page, '/apps/widgets/widgets', '[data-testid=widget-rows] tbody tr');
  for (const kind of ['tiles', 'timeseries', 'bars', 'donut', 'table', 'worldmap', 'confusion']) {
    await page.waitForSelector(`[data-testid=widget-${kind}] .panel-body > :not(.empty)`, {
      timeout: 10_000,
    });
  }
  await page.waitForSelector('[data-testid=worldmap] canvas', { timeout: 10_000 });
  await page.waitForSelector('[data-testid=timeseries]', { timeout: 10_000 });
  await page.waitForTimeout(1100); // the next records fall into a new 1 s window
  const pointsBefore = Number(await page.getAttribute('[data-testid=timeseries]', 'data-points'));
  const expected = (await countOf('JP')) + 30;
  assert.doesNotMatch(
    (await page.locator('[data-testid=widget-rows]').textContent()) ?? '',
    new RegExp(`JP${expected}`),
  );
  const posted = Date.now();
  await post('widget-events', events('JP', 30, 36, 138));
  await page.waitForFunction(
    `/JP${expected}/.test(document.querySelector('[data-testid=widget-rows]')?.textContent)`,
    undefined,
    { timeout: 2000 },
  );
  await page.waitForFunction(
    `Number(document.querySelector('[data-testid=timeseries]')?.getAttribute('data-points')) > ${pointsBefore}`,
    undefined,
    { timeout: Math.max(100, 2000 - (Date.now() - posted)) },
  );
  assert.ok(Date.now() - posted <= 2000, `live update took ${Date.now() - posted} ms`);
  await page.waitForTimeout(500);
  await shot(page, 'app-widgets');

  // Phone width: one column, the nav folds into a drawer.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const mobile = await phone.newPage();
  await mobile.goto(`${url}/?key=${encodeURIComponent(key)}`);
  await mobile.waitForSelector('[data-testid=stat-events-in]');
  await mobile.waitForSelector('.uplot', { timeout: 10_000 });
  assert.equal(await mobile.locator('.sidenav').isVisible(), true); // in the DOM, off screen
  const box = await mobile.locator('.sidenav').boundingBox();
  assert.ok(box && box.x + box.width <= 0, 'the nav is off screen on a phone');
  await shot(mobile, 'overview-phone');
  await phone.close();
  await context.close();

  assert.deepEqual(errors, []);
  if (process.env.STREAMSIGHT_UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(DOCS_SHOTS, { recursive: true });
  for (const name of [
    'overview',
    'topics',
    'topic-tail',
    'pipelines',
    'pipeline',
    'views',
    'view',
    'query',
    'dead-letters',
    'app-nexmark',
    'app-meetup-rsvp',
    'app-widgets',
    'overview-phone',
  ]) {
    await copyFile(join(SHOTS, `${name}.png`), join(DOCS_SHOTS, `${name}.png`));
  }
});
