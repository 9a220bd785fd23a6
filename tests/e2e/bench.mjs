// Browser benchmark: a generated export set of 200 MB or more through the app in headless
// Chromium (served build), against the native CLI on the same files.
//   node bench.mjs [DATA_DIR]     (default bench-data/browser/, generated when missing)
// Prints throughput (MB/s), time to first chain, the worker's peak memory (its WebAssembly
// memory, which only grows, so its final size is the peak), and the ratio to the CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, DIST, ROOT, artifact, ensureCli, launch } from './lib.mjs';
import { serve } from './static-server.mjs';

const dataDir = process.argv[2] || join(ROOT, 'bench-data', 'browser');
if (!existsSync(dataDir) || readdirSync(dataDir).filter((f) => f.endsWith('.csv')).length < 4) {
  console.error(`bench: generating the export set in ${dataDir} …`);
  execFileSync('python3', [join(import.meta.dirname, 'gen_bench.py'), dataDir, '210'], { stdio: 'inherit' });
}
ensureCli();
const files = readdirSync(dataDir).filter((f) => /\.(csv|json|gz|zip)$/.test(f)).sort();
const paths = files.map((f) => join(dataDir, f));
const bytes = paths.reduce((n, p) => n + statSync(p).size, 0);
const mb = bytes / 1e6;

// Native reference: the same analysis (chains with evidence), files in the same order.
const t0 = process.hrtime.bigint();
const cli = spawnSync(CLI, ['chains', '--format', 'json', '-q', ...files], { cwd: dataDir, maxBuffer: 1 << 30 });
const cliSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
if (cli.status !== 0 && cli.status !== 1) throw new Error(`copyexec failed: ${cli.stderr}`);
const cliChains = JSON.parse(cli.stdout).chains.length;
// And without reading the evidence rows again: what the browser has when its first chain shows.
const t1 = process.hrtime.bigint();
const quick = spawnSync(CLI, ['chains', '--format', 'json', '-q', '--no-evidence', ...files], { cwd: dataDir, maxBuffer: 1 << 30 });
const cliQuickSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
if (quick.status !== 0 && quick.status !== 1) throw new Error(`copyexec failed: ${quick.stderr}`);
// The worker reads on one thread: the CLI on one thread is the like-for-like reference.
const t2 = process.hrtime.bigint();
spawnSync(CLI, ['chains', '--format', 'json', '-q', '--no-evidence', '--threads', '1', ...files], { cwd: dataDir, maxBuffer: 1 << 30 });
const cliOneThread = Number(process.hrtime.bigint() - t2) / 1e9;

const server = await serve(DIST, 0);
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  // Give the worker time to start, as a user's page would have.
  await page.waitForFunction(() => !document.getElementById('boot'));

  // How long the page takes to answer while the worker reads: it must never freeze.
  let probing = true;
  let maxLag = 0;
  const probe = (async () => {
    while (probing) {
      const t = Date.now();
      await page.evaluate(() => 0);
      maxLag = Math.max(maxLag, Date.now() - t);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  })();

  // Times are taken in the page: from the file input's change event to the first chain card
  // and to the evidence being read (no test-harness latency in them).
  await page.evaluate(() => {
    window.__bench = {};
    const input = document.querySelector('[data-testid=file-input]');
    input.addEventListener('change', () => (window.__bench.start = performance.now()), { capture: true, once: true });
    new MutationObserver((_, obs) => {
      const b = window.__bench;
      if (!b.first && document.querySelector('[data-testid=chain]')) b.first = performance.now();
      if (!b.done && document.querySelector('[data-testid=evidence-status][data-complete=true]')) b.done = performance.now();
      if (b.first && b.done) obs.disconnect();
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.setInputFiles('[data-testid=file-input]', paths);
  await page.waitForSelector('[data-testid=chain]', { timeout: 600000 });
  probing = false;
  await probe;
  await page.waitForSelector('[data-testid=evidence-status][data-complete=true]', { timeout: 600000 });
  const marks = await page.evaluate(() => window.__bench);
  const firstChain = (marks.first - marks.start) / 1000;
  const complete = (marks.done - marks.start) / 1000;
  const count = Number(await page.textContent('[data-testid=chain-count]'));
  const memory = Number(await page.getAttribute('[data-testid=summary]', 'data-worker-memory'));
  const note = await page.textContent('.summary-note');
  const readMs = Number(await page.getAttribute('[data-testid=summary]', 'data-read-ms'));
  const queryMs = Number(await page.getAttribute('[data-testid=summary]', 'data-query-ms'));

  const rate = mb / firstChain;
  const cliRate = mb / cliSeconds;
  console.log(`data: ${files.length} files, ${mb.toFixed(1)} MB (${dataDir})`);
  console.log(`browser: ${count} chains; first chain after ${firstChain.toFixed(2)} s (${rate.toFixed(1)} MB/s); with evidence ${complete.toFixed(2)} s`);
  console.log(`browser: ${note.trim()}`);
  console.log(`browser: worker read ${readMs} ms (${(mb / (readMs / 1000)).toFixed(1)} MB/s), query + chains ${queryMs} ms`);
  console.log(`browser: longest wait for the page to answer during the analysis: ${maxLag} ms`);
  console.log(`browser: worker peak memory (WebAssembly memory) ${(memory / 1048576).toFixed(0)} MiB`);
  console.log(`native:  ${cliChains} chains; copyexec chains --format json ${cliSeconds.toFixed(2)} s (${cliRate.toFixed(1)} MB/s); with --no-evidence ${cliQuickSeconds.toFixed(2)} s (${(mb / cliQuickSeconds).toFixed(1)} MB/s)`);
  console.log(`native:  one thread, --no-evidence ${cliOneThread.toFixed(2)} s (${(mb / cliOneThread).toFixed(1)} MB/s)`);
  console.log(`ratio:   browser / native throughput = ${(cliQuickSeconds / firstChain).toFixed(2)} (first chain vs --no-evidence), ${(cliSeconds / complete).toFixed(2)} (with evidence, both), ${(cliOneThread / firstChain).toFixed(2)} (first chain vs one native thread)`);

  // A second run, untimed: the progress view (screenshot), then Cancel.
  const again = await context.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => !document.getElementById('boot'));
  await again.setInputFiles('[data-testid=file-input]', paths);
  await again.waitForFunction(() => {
    const p = document.querySelector('.progress-total');
    return p && Number(p.value) > Number(p.max) * 0.3;
  }, null, { timeout: 600000, polling: 50 });
  await again.screenshot({ path: artifact('progress.png') });
  const cancelAt = Date.now();
  await again.click('[data-testid=cancel]');
  await again.waitForSelector('[data-testid=drop-zone]');
  console.log(`browser: Cancel returned to the start in ${Date.now() - cancelAt} ms`);

  if (count !== cliChains) {
    console.error(`bench: chain counts differ (browser ${count}, native ${cliChains})`);
    process.exitCode = 1;
  }
  await evtxPart(context);
  await context.close();
} finally {
  await browser.close();
  server.close();
}

// Windows event logs: the same EVTX set as bench/bench.py (run it first to create it) through the
// app, beside the native CLI on one thread and the evtx crate's own parse (copyexec-evtx-floor).
async function evtxPart(context) {
  const dir = join(ROOT, 'bench-data', 'evtx-v2-200');
  if (!existsSync(dir)) {
    console.log('evtx: skipped (run bench/bench.py first to create bench-data/evtx-v2-200)');
    return;
  }
  const evtx = readdirSync(dir).filter((f) => f.endsWith('.evtx')).sort().map((f) => join(dir, f));
  const evtxMb = evtx.reduce((n, p) => n + statSync(p).size, 0) / 1e6;
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.waitForFunction(() => !document.getElementById('boot'));
  await page.setInputFiles('[data-testid=file-input]', evtx);
  await page.waitForSelector('[data-testid=summary][data-read-ms]', { timeout: 600000 });
  const readMs = Number(await page.getAttribute('[data-testid=summary]', 'data-read-ms'));
  const time = (args) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(args[0], args.slice(1), { maxBuffer: 1 << 30 });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args[0]} failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const native = time([CLI, 'rows', '-q', '--threads', '1', ...evtx]);
  const floor = time([join(ROOT, 'target', 'release', 'copyexec-evtx-floor'), ...evtx]);
  console.log(`evtx: ${evtx.length} files, ${evtxMb.toFixed(1)} MB`);
  console.log(`evtx: browser worker read ${(readMs / 1000).toFixed(2)} s (${(evtxMb / (readMs / 1000)).toFixed(1)} MB/s); ` +
    `native copyexec, one thread ${native.toFixed(2)} s (${(evtxMb / native).toFixed(1)} MB/s); ` +
    `evtx crate alone ${floor.toFixed(2)} s (${(evtxMb / floor).toFixed(1)} MB/s)`);
  console.log(`evtx: browser / native = ${(native / (readMs / 1000)).toFixed(2)}, browser / evtx crate = ${(floor / (readMs / 1000)).toFixed(2)}`);
  await page.close();
}
