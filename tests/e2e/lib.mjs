// Helpers of the e2e suite and the benchmark: browser, targets, the CLI reference, and what
// the app shows, read from its DOM through the stable test hooks.
import { chromium } from 'playwright-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve } from './static-server.mjs';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const DIST = process.env.COPYEXEC_DIST || join(ROOT, 'dist');
export const CLI = process.env.COPYEXEC_CLI || join(ROOT, 'target/release/copyexec');
export const ARTIFACTS = join(ROOT, 'tests/artifacts/e2e');
export const FIXTURES = join(HERE, 'fixtures');

// Flags that keep Chromium quiet on a closed network (toolchain notes).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * The builds to test: COPYEXEC_URLS (space-separated) when set (test-e2e.sh sets it to its
 * server's URL and the single file's file:// URL), else a server started here plus the file.
 */
export async function targets() {
  if (process.env.COPYEXEC_URLS) {
    return { urls: process.env.COPYEXEC_URLS.split(/\s+/).filter(Boolean), close: async () => {} };
  }
  const server = await serve(DIST, 0);
  const port = server.address().port;
  return {
    urls: [
      `http://127.0.0.1:${port}/index.html`,
      pathToFileURL(join(DIST, 'copyexec.html')).href,
    ],
    close: () => new Promise((ok) => server.close(ok)),
  };
}

export const label = (url) => (url.startsWith('file:') ? 'single-file' : 'served');

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** `copyexec chains --format json` on `files` (names relative to `dir`, run from `dir`). */
export function cliChains(dir, files, tolerance = 5, extra = []) {
  const r = spawnSync(CLI, ['chains', '--format', 'json', '-q', '--tolerance', String(tolerance), ...extra, ...files], {
    cwd: dir,
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`copyexec chains failed (${r.status}): ${r.stderr}`);
  }
  return { text: r.stdout.toString('utf8'), doc: JSON.parse(r.stdout.toString('utf8')) };
}

/** `copyexec chains --format FORMAT` (timesketch, timesketch-csv, navigator) on `files`, as text. */
export function cliExport(dir, files, format, tolerance = 5) {
  const r = spawnSync(CLI, ['chains', '--format', format, '-q', '--tolerance', String(tolerance), ...files], {
    cwd: dir,
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`copyexec chains --format ${format} failed: ${r.stderr}`);
  return r.stdout.toString('utf8');
}

/** `copyexec rows` on `files`. */
export function cliRows(dir, files, tolerance = 5) {
  const r = spawnSync(CLI, ['rows', '-q', '--tolerance', String(tolerance), ...files], {
    cwd: dir,
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`copyexec rows failed: ${r.stderr}`);
  return r.stdout.toString('utf8');
}

/** The app's offset wording (`+812.4 ms`, `+3.051 s`), as format.rs writes it. */
export function offsetText(ticks) {
  const ms = ticks / 10000;
  const sign = (v, d) => (v >= 0 ? '+' : '-') + Math.abs(v).toFixed(d);
  return Math.abs(ms) >= 1000 ? `${sign(ms / 1000, 3)} s` : `${sign(ms, 1)} ms`;
}

/** What a chain card should show, from a chain of the CLI's document. */
export function expectedCard(c) {
  const events = [...c.connections, ...c.logons, ...c.writes, c.start]
    .map((e) => ({ id: e.id, offset: offsetText(e.offset_ticks), source: `${e.source.file}:${e.source.line}` }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    id: c.id,
    device: c.device_name,
    file: c.file_name,
    path: c.folder_path,
    ips: c.remote_ips.join(', '),
    accounts: c.accounts.join(', '),
    events,
  };
}

/** Opens the card of the chain `row` (a locator of its row in the chain table) and returns
 * the card's locator. */
export async function openCard(page, row) {
  const id = await row.getAttribute('data-chain-id');
  const testid = (await row.getAttribute('data-testid')) === 'suppressed-chain' ? 'suppressed-chain-card' : 'chain-card';
  const card = page.locator(`[data-testid=${testid}][data-chain-id="${id}"]`);
  if ((await card.count()) === 0) await row.click();
  await card.waitFor();
  return card;
}

/** What the chain table's rows and each chain's card show (every row is opened in turn). A
 * cell the table may cut short must carry its whole text as its title. */
export async function appCards(page) {
  const untitled = await page.$$eval('[data-testid=chain] td[data-testid^=chain-]', (cells) =>
    cells.filter((c) => c.title !== c.textContent).map((c) => `${c.dataset.testid}: ${c.textContent}`),
  );
  if (untitled.length) throw new Error(`chain table cells without their text as title: ${untitled.slice(0, 3).join('; ')}`);
  const rows = await page.$$eval('[data-testid=chain]', (rows) =>
    rows.map((r) => {
      const t = (sel) => r.querySelector(sel)?.textContent ?? null;
      return {
        id: r.dataset.chainId,
        device: t('[data-testid=chain-device]'),
        file: t('[data-testid=chain-file]'),
        path: t('[data-testid=chain-path]'),
        ips: t('[data-testid=chain-ips]'),
        accounts: t('[data-testid=chain-accounts]'),
      };
    }),
  );
  for (const r of rows) {
    const card = await openCard(page, page.locator(`[data-testid=chain][data-chain-id="${r.id}"]`));
    r.events = (await card.evaluate((c) =>
      [...c.querySelectorAll('tr[data-event-id]')].map((tr) => ({
        id: tr.dataset.eventId,
        offset: tr.cells[0].textContent,
        source: tr.cells[4].textContent,
      })),
    )).sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  return rows;
}

/** Opens the app; records every request the page and its worker make. */
export async function openApp(browser, url, { colorScheme = 'light', cores = null } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    colorScheme,
  });
  // The cores the page sees, which set how many workers read.
  if (cores != null) {
    await context.addInitScript((n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }), cores);
  }
  const requests = [];
  const errors = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  return { context, page, requests, errors };
}

/** Requests that went anywhere but the page's own files. */
export function foreignRequests(url, requests) {
  const own = url.startsWith('file:')
    ? (u) => u === url || u.startsWith('blob:null/') || u.startsWith('data:')
    : (u) => {
        const origin = new URL(url).origin;
        return u.startsWith(origin + '/') || u.startsWith(`blob:${origin}/`) || u.startsWith('data:');
      };
  return requests.filter((u) => !own(u));
}

/** Results shown and evidence read. */
export async function waitForResults(page, timeout = 60000) {
  await page.waitForSelector('[data-testid=chain-count]', { timeout });
  await page.waitForSelector('[data-testid=evidence-status][data-complete=true]', { timeout });
  await page.waitForSelector('[data-testid=chain-list][data-pending="0"]', { timeout });
}

export async function chainCount(page) {
  return Number((await page.textContent('[data-testid=chain-count]')).trim());
}

/** Loads files through the file input. */
export async function chooseFiles(page, paths) {
  await page.setInputFiles('[data-testid=file-input]', paths);
}

/** Loads files by a synthetic drag and drop of File objects onto the drop zone. */
export async function dropFiles(page, paths) {
  const files = paths.map((p) => ({ name: basename(p), b64: readFileSync(p).toString('base64') }));
  const dt = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name));
    }
    return dt;
  }, files);
  const zone = page.locator('[data-testid=drop-zone]');
  await zone.dispatchEvent('dragenter', { dataTransfer: dt });
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  await zone.dispatchEvent('drop', { dataTransfer: dt });
}

/** Sets the tolerance field and waits until the results are for it. */
export async function setTolerance(page, seconds) {
  await page.fill('[data-testid=tolerance]', String(seconds));
  await page.waitForFunction(
    (s) => document.querySelector('[data-testid=summary]')?.textContent.includes(`at a tolerance of ${s} s`),
    seconds,
  );
  await page.waitForSelector('[data-testid=evidence-status][data-complete=true]');
  await page.waitForSelector('[data-testid=chain-list][data-pending="0"]');
}

/** Clicks a download button and returns the downloaded bytes as text. */
export async function download(page, testId) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testId}]`)]);
  const path = await dl.path();
  return readFileSync(path, 'utf8');
}

export function sampleFiles() {
  const manifest = join(DIST, 'sample/manifest.json');
  if (!existsSync(manifest)) return null;
  return { dir: join(DIST, 'sample'), files: JSON.parse(readFileSync(manifest, 'utf8')) };
}

export function ensureCli() {
  if (!existsSync(CLI)) {
    execFileSync('cargo', ['build', '--release', '-p', 'copyexec-cli'], { cwd: ROOT, stdio: 'inherit' });
  }
}
