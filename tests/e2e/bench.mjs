// Browser benchmark: the app in headless Chromium (served build) against its peers on the same
// files, in one run, with the ratios against the targets.
//
//   node tests/e2e/bench.mjs [DATA_DIR]
//
// Sets (generated once into bench-data/, git-ignored):
//   fleet      copyexec-fleet DIR 2000: the chain-heavy set (4 CSVs, 10,007 chains, ~9 MB)
//   generated  gen_bench.py DATA_DIR BENCH_MB: mostly noise, a few hundred chains (default
//              bench-data/browser/, 210 MB; a DATA_DIR given holds any export set)
// Per set: the app's time from the files given (the file input's change event) to the chain
// count shown ([data-testid=chain-count]) and to the evidence read ([data-testid=evidence-status]
// [data-complete=true]); the worker's read throughput (bytes / data-read-ms); the longest main-
// thread task while loading (PerformanceObserver 'longtask', registered before the files are
// given); the native CLI, `copyexec chains --no-evidence --threads 1 --format json -q FILES`
// (the worker reads on one thread); DuckDB-WASM running the query as DuckDB SQL
// (tests/e2e/duckdb/hunt.sql, page tests/e2e/duckdb/index.html) in the same Chromium, timed from
// its file input's change event to the result rows in hand. On the fleet, also the filter's
// keystroke latency: one character at a time into [data-testid=filter] (a text each letter of
// which changes the matches, typed, Backspace back to its first letter, typed again: 11 strokes),
// from the keydown to the chain table answering ([data-testid=chain-list] data-pending="0" and
// data-matched changed) and painted (the task after the next animation frame). Medians of BENCH_RUNS runs (each in a fresh
// browser context); the longest task is the worst of the runs.
//
// Before the timing, DuckDB-WASM's rows are checked equal to duckdb-kql's (the seed's KQL run
// natively, tests/e2e/duckdb/kql_rows.py) on two small sets: copyexec-fleet 40 and gen_bench.py 1.
// The run fails (exit 1) on a wrong result: the app's chain count differs from the CLI's, a
// DuckDB-WASM row differs, a page asked for anything but its own files. Targets missed are
// printed as missed: the bench is not a test.
//
// Environment:
//   BENCH_PARTS      comma list of fleet, generated, duckdb, cancel, evtx (default all of them;
//                    duckdb = the peer on the chosen sets and its row check)
//   BENCH_RUNS       runs of the app, the CLI and DuckDB-WASM per set (default 3)
//   BENCH_MB         size of the generated set when it is created (default 210)
//   BENCH_CORES      the cores the page is told it has (navigator.hardwareConcurrency), which
//                    set how many workers read (default: the machine's)
//   COPYEXEC_DIST    the built app (default dist/)     COPYEXEC_CLI    the CLI (default target/release/copyexec)
//   COPYEXEC_FLEET   the fleet generator (default target/release/copyexec-fleet)
//   COPYEXEC_PYTHON  a Python with duckdb_kql (default .venv/bin/python; the check is skipped without it)
// DuckDB-WASM (npm @duckdb/duckdb-wasm, ~150 MB) is installed into tests/e2e/duckdb/node_modules
// by this script (npm ci there) the first time: it is not part of the e2e suite's install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI, DIST, HERE, ROOT, artifact, ensureCli, foreignRequests, launch } from './lib.mjs';
import { serve } from './static-server.mjs';

const ALL_PARTS = ['fleet', 'generated', 'duckdb', 'cancel', 'evtx'];
const PARTS = new Set((process.env.BENCH_PARTS || ALL_PARTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const p of PARTS) if (!ALL_PARTS.includes(p)) throw new Error(`BENCH_PARTS: unknown part ${p} (known: ${ALL_PARTS.join(', ')})`);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS || 3));
const CORES = Number(process.env.BENCH_CORES || 0);
const FLEET = process.env.COPYEXEC_FLEET || join(ROOT, 'target/release/copyexec-fleet');
const PYTHON = process.env.COPYEXEC_PYTHON || join(ROOT, '.venv/bin/python');
const DUCKDB_DIR = join(HERE, 'duckdb');
const TIMEOUT = 900000;
const TARGETS = { appPerCli: 2, keystrokeMs: 100, longTaskMs: 200, duckdbPerApp: 25 };

const median = (xs) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})` : '');
const csvFiles = (dir) => readdirSync(dir).filter((f) => /\.(csv|json|gz|zip)$/.test(f)).sort();
const problems = [];
const problem = (text) => {
  problems.push(text);
  console.error(`bench: ${text}`);
};

// ---- data sets --------------------------------------------------------------------------------
function fleetSet(dir, workstations) {
  if (!existsSync(dir) || csvFiles(dir).length < 4) {
    if (!existsSync(FLEET)) execFileSync('cargo', ['build', '--release', '-p', 'copyexec-bench'], { cwd: ROOT, stdio: 'inherit' });
    console.error(`bench: generating the fleet set (${workstations} workstations) in ${dir} …`);
    execFileSync(FLEET, [dir, String(workstations)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dir;
}
function generatedSet(dir, mb) {
  if (!existsSync(dir) || csvFiles(dir).filter((f) => f.endsWith('.csv')).length < 4) {
    console.error(`bench: generating the export set (${mb} MB) in ${dir} …`);
    execFileSync('python3', [join(HERE, 'gen_bench.py'), dir, String(mb)], { stdio: 'inherit' });
  }
  return dir;
}
function describe(name, dir) {
  const files = csvFiles(dir);
  const paths = files.map((f) => join(dir, f));
  const bytes = paths.reduce((n, p) => n + statSync(p).size, 0);
  return { name, dir, files, paths, bytes, mb: bytes / 1e6 };
}

// ---- native CLI -------------------------------------------------------------------------------
function cliRuns(set) {
  const times = [];
  let chains = null;
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(CLI, ['chains', '--no-evidence', '--threads', '1', '--format', 'json', '-q', ...set.files], {
      cwd: set.dir,
      maxBuffer: 1 << 30,
    });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0 && r.status !== 1) throw new Error(`copyexec failed (${r.status}): ${r.stderr}`);
    if (chains == null) chains = JSON.parse(r.stdout).chains;
  }
  return { times, ms: median(times), chains };
}

// ---- the app ----------------------------------------------------------------------------------
async function newPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  if (CORES) {
    await context.addInitScript((n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }), CORES);
  }
  const requests = [];
  const errors = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  return { context, page, requests, errors };
}

function checkPage(what, url, { requests, errors }) {
  const foreign = foreignRequests(url, requests);
  if (foreign.length) problem(`${what}: requests to other origins: ${foreign.slice(0, 5).join(' ')}`);
  if (errors.length) console.error(`bench: ${what}: page errors: ${errors.slice(0, 3).join(' | ')}`);
}

async function appRun(browser, url, set, keys, { early: typeEarly = false } = {}) {
  const tab = await newPage(browser, url);
  const { page } = tab;
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  // Give the worker time to start, as a user's page would have.
  await page.waitForFunction(() => !document.getElementById('boot'));
  // Times are taken in the page (no harness latency in them); long tasks from here on.
  await page.evaluate(() => {
    const b = (window.__bench = { tasks: [] });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.tasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask' });
    const input = document.querySelector('[data-testid=file-input]');
    input.addEventListener('change', () => (b.start = performance.now()), { capture: true, once: true });
    new MutationObserver((_, obs) => {
      if (!b.count && document.querySelector('[data-testid=chain-count]')) b.count = performance.now();
      if (!b.done && document.querySelector('[data-testid=evidence-status][data-complete=true]')) b.done = performance.now();
      if (b.count && b.done) obs.disconnect();
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.setInputFiles('[data-testid=file-input]', set.paths);
  await page.waitForSelector('[data-testid=chain-count]', { timeout: TIMEOUT });
  // A responder types at once: a keystroke and its Backspace while the evidence is still read.
  let early = null;
  if (keys && typeEarly) {
    await page.waitForSelector('[data-testid=chain-list][data-pending="0"]', { timeout: TIMEOUT });
    const reading = (await page.$('[data-testid=evidence-status][data-complete=true]')) === null;
    const all = Number((await page.textContent('[data-testid=chain-count]')).trim());
    const r = await keystrokes(page, { strokes: [keys.strokes[0], { key: 'Backspace', matched: all }] });
    early = { ms: r.keyMs, reading };
  }
  await page.waitForSelector('[data-testid=evidence-status][data-complete=true]', { timeout: TIMEOUT });
  await page.waitForSelector('[data-testid=chain-list][data-pending="0"]', { timeout: TIMEOUT });
  // Long task entries arrive after their task: give the last ones a moment.
  await page.evaluate(() => new Promise((ok) => setTimeout(ok, 300)));
  const marks = await page.evaluate(() => window.__bench);
  const loadTasks = marks.tasks.filter((t) => t.start <= marks.done);
  const summary = page.locator('[data-testid=summary]');
  const run = {
    countMs: marks.count - marks.start,
    evidenceMs: marks.done - marks.start,
    longestMs: Math.max(0, ...loadTasks.map((t) => t.ms)),
    longTasks: loadTasks.length,
    count: Number((await page.textContent('[data-testid=chain-count]')).trim()),
    readMs: Number(await summary.getAttribute('data-read-ms')),
    queryMs: Number(await summary.getAttribute('data-query-ms')),
    memory: Number(await summary.getAttribute('data-worker-memory')),
  };
  if (typeEarly) run.early = early;
  else if (keys) Object.assign(run, await keystrokes(page, keys));
  checkPage('app', url, tab);
  await tab.context.close();
  return run;
}

/** Presses `keys.strokes` in the filter, one at a time; each keystroke's latency. */
async function keystrokes(page, keys) {
  await page.focus('[data-testid=filter]');
  const latencies = [];
  const matched = [];
  const before = await page.evaluate(() => window.__bench.tasks.length);
  for (const stroke of keys.strokes) {
    await page.evaluate(() => {
      const list = () => document.querySelector('[data-testid=chain-list]');
      const was = list().dataset.matched;
      let t0 = null;
      window.__key = new Promise((ok) => {
        const input = document.querySelector('[data-testid=filter]');
        input.addEventListener('keydown', (e) => (t0 = Math.min(e.timeStamp, performance.now())), { capture: true, once: true });
        const timer = setTimeout(() => (obs.disconnect(), ok({ ms: null, matched: list()?.dataset.matched })), 10000);
        const obs = new MutationObserver(() => {
          const l = list();
          if (!l || t0 == null) return;
          if (l.dataset.pending !== '0' || l.dataset.matched === was) return;
          obs.disconnect();
          clearTimeout(timer);
          // Painted: the frame after the change has run, then the task after it.
          requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => ok({ ms: performance.now() - t0, matched: l.dataset.matched });
            ch.port2.postMessage(0);
          });
        });
        obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-pending', 'data-matched'] });
      });
    });
    await page.keyboard.press(stroke.key);
    const r = await page.evaluate(() => window.__key);
    latencies.push(r.ms);
    matched.push(Number(r.matched));
    await page.waitForTimeout(150);
  }
  const tasks = await page.evaluate((n) => window.__bench.tasks.slice(n), before);
  const expected = keys.strokes.map((k) => k.matched);
  const wrong = matched.filter((m, i) => m !== expected[i]).length;
  if (wrong) console.error(`bench: filter: the table's matches differ from the CLI's chains at ${wrong} of ${matched.length} keystrokes (${matched.join(',')} vs ${expected.join(',')})`);
  return { keyMs: latencies, keyMatched: matched, keyLongestMs: Math.max(0, ...tasks.map((t) => t.ms)) };
}

/** What to type into the filter: a text each of whose characters changes the chain table's
 * matches (as the worker filters: any of these fields contains the lower-cased text), found in
 * the CLI's chains, typed, then Backspace back to its first character (each changes them again),
 * typed again, …: `keys` keystrokes in all, with the matches expected after each. */
function filterKeys(chains, keys = 11) {
  const hay = chains.map((c) =>
    [c.device_name, c.device_id, ...c.accounts, ...c.remote_ips, c.file_name, c.folder_path, c.sha256, c.sha1, c.md5]
      .map((s) => String(s ?? '').toLowerCase())
      .join('\0'),
  );
  const count = (needle) => hay.reduce((n, h) => n + (h.includes(needle) ? 1 : 0), 0);
  const values = new Set();
  for (const c of chains) for (const v of [c.device_name, c.file_name, c.folder_path, ...c.accounts, ...c.remote_ips]) values.add(String(v).toLowerCase());
  const want = Math.ceil((keys + 1) / 2);
  let sample = [...values].filter((v) => v.length >= want && !/\s/.test(v)).sort();
  const step = Math.max(1, Math.floor(sample.length / 150));
  sample = sample.filter((_, i) => i % step === 0);
  // Any part of a value: a first letter alone matches nearly every chain.
  const candidates = new Set(sample.flatMap((v) => [...v].map((_, i) => v.slice(i, i + want)).filter((t) => t.length === want)));
  let best = null;
  for (const v of candidates) {
    const counts = [];
    for (let i = 1; i <= Math.min(want, v.length); i++) {
      const n = count(v.slice(0, i));
      if (n === (i > 1 ? counts[i - 2] : chains.length)) break;
      counts.push(n);
    }
    const better = !best || counts.length > best.counts.length ||
      (counts.length === best.counts.length && counts[counts.length - 1] > best.counts[best.counts.length - 1]);
    if (counts.length && better) best = { text: v.slice(0, counts.length), counts };
  }
  // Up to the whole text, back to its first letter, up again, … (each stroke changes the matches).
  const strokes = [];
  let at = 0;
  let up = true;
  while (strokes.length < keys) {
    if (best.text.length < 2 && at === 1) break;
    if (up && at === best.text.length) up = false;
    if (!up && at === 1) up = true;
    strokes.push(up ? { key: best.text[at], matched: best.counts[at] } : { key: 'Backspace', matched: best.counts[at - 2] });
    at += up ? 1 : -1;
  }
  return { text: best.text, strokes };
}

// ---- DuckDB-WASM ------------------------------------------------------------------------------
function ensureDuckdb() {
  if (existsSync(join(DUCKDB_DIR, 'node_modules/@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'))) return;
  console.error('bench: installing DuckDB-WASM into tests/e2e/duckdb/node_modules (npm ci) …');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: DUCKDB_DIR, stdio: 'inherit' });
}

async function duckdbRun(browser, url, set, render = false) {
  const tab = await newPage(browser, url);
  const { page } = tab;
  await page.waitForSelector('body[data-ready]', { timeout: 120000 });
  const version = await page.textContent('[data-testid=status]');
  if (render) await page.evaluate(() => (window.__huntRender = true));
  await page.setInputFiles('[data-testid=file-input]', set.paths);
  await page.waitForSelector('[data-testid=status][data-done]', { timeout: TIMEOUT });
  const out = await page.evaluate(() => window.__hunt);
  checkPage('DuckDB-WASM', url, tab);
  await tab.context.close();
  if (out.error) throw new Error(`DuckDB-WASM on ${set.name}: ${out.error}`);
  out.version = version.replace(/ ready.*/, '');
  return out;
}

/** DuckDB-WASM's rows = duckdb-kql's on a small set (tolerance 5, the app's default). */
async function duckdbCheck(browser, url, set) {
  if (!existsSync(PYTHON)) {
    console.log(`check:   ${set.name}: skipped (no ${PYTHON}; set COPYEXEC_PYTHON to a Python with duckdb_kql)`);
    return;
  }
  const ref = spawnSync(PYTHON, [join(DUCKDB_DIR, 'kql_rows.py'), set.dir, '5'], { maxBuffer: 1 << 30 });
  if (ref.status !== 0) throw new Error(`kql_rows.py failed: ${ref.stderr}`);
  const want = JSON.parse(ref.stdout).map((r) => JSON.stringify(r)).sort();
  const got = (await duckdbRun(browser, url, set, true)).rendered.map((r) => JSON.stringify(r)).sort();
  const same = want.length === got.length && want.every((r, i) => r === got[i]);
  console.log(`check:   ${set.name} (${set.mb.toFixed(1)} MB): DuckDB-WASM ${got.length} rows, duckdb-kql ${want.length} rows: ${same ? 'equal, row for row' : 'DIFFERENT'}`);
  if (!same) {
    const w = new Set(want);
    const g = new Set(got);
    problem(`DuckDB-WASM's rows differ from duckdb-kql's on ${set.dir}: ` +
      `only DuckDB-WASM ${got.filter((r) => !w.has(r)).slice(0, 2).join(' ')}; only duckdb-kql ${want.filter((r) => !g.has(r)).slice(0, 2).join(' ')}`);
  }
}

// ---- the run ----------------------------------------------------------------------------------
ensureCli();
const sets = [];
if (PARTS.has('fleet')) sets.push(describe('fleet', fleetSet(join(ROOT, 'bench-data', 'fleet-2000'), 2000)));
if (PARTS.has('generated')) {
  const dir = process.argv[2] || join(ROOT, 'bench-data', 'browser');
  sets.push(describe('generated', generatedSet(dir, Number(process.env.BENCH_MB || 210))));
}
const duck = PARTS.has('duckdb');
if (duck) ensureDuckdb();

console.log(`bench: app ${DIST}; CLI ${CLI}; ${RUNS} run(s) each; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const appServer = await serve(DIST, 0);
const appUrl = `http://127.0.0.1:${appServer.address().port}/index.html`;
const duckServer = duck ? await serve(DUCKDB_DIR, 0) : null;
const duckUrl = duck ? `http://127.0.0.1:${duckServer.address().port}/index.html` : null;
const browser = await launch();
const results = [];
try {
  console.log(`bench: Chromium ${browser.version()}`);
  if (duck) {
    const small = [
      describe('fleet 40', fleetSet(join(ROOT, 'bench-data', 'check-fleet-40'), 40)),
      describe('generated 1 MB', generatedSet(join(ROOT, 'bench-data', 'check-generated-1'), 1)),
    ];
    for (const s of small) await duckdbCheck(browser, duckUrl, s);
  }
  for (const set of sets) {
    console.error(`bench: ${set.name}: ${set.files.length} files, ${set.mb.toFixed(1)} MB (${set.dir})`);
    const cli = cliRuns(set);
    const keys = set.name === 'fleet' ? filterKeys(cli.chains) : null;
    const app = [];
    for (let i = 0; i < RUNS; i++) app.push(await appRun(browser, appUrl, set, keys));
    // One more run that types while the evidence is read (its times are not in the medians).
    const early = cli.chains.length ? (await appRun(browser, appUrl, set, filterKeys(cli.chains), { early: true })).early : null;
    const duckdb = [];
    if (duck) for (let i = 0; i < RUNS; i++) duckdb.push(await duckdbRun(browser, duckUrl, set));
    for (const r of app) {
      if (r.count !== cli.chains.length) problem(`${set.name}: chain counts differ (app ${r.count}, CLI ${cli.chains.length})`);
    }
    results.push({ set, cli, app, duckdb, keys, early });
  }
  if (PARTS.has('cancel') && sets.length) await cancelPart(browser, sets[sets.length - 1]);
  if (PARTS.has('evtx')) await evtxPart(browser);
} finally {
  await browser.close();
  appServer.close();
  duckServer?.close();
}
report(results);
if (problems.length) process.exitCode = 1;

function report(results) {
  if (!results.length) return;
  const rows = [['set', 'MB', 'chains', 'app count s', 'evidence s', 'CLI 1 thr s', 'DuckDB-WASM s', 'read MB/s', 'longest task ms', 'worker MiB']];
  const derived = [];
  for (const { set, cli, app, duckdb } of results) {
    const d = {
      count: median(app.map((r) => r.countMs)),
      evidence: median(app.map((r) => r.evidenceMs)),
      read: median(app.map((r) => r.readMs)),
      longest: Math.max(...app.map((r) => r.longestMs)),
      duck: duckdb.length ? median(duckdb.map((r) => r.ms)) : NaN,
      memory: Math.max(...app.map((r) => r.memory)),
    };
    derived.push(d);
    rows.push([
      set.name,
      set.mb.toFixed(1),
      String(cli.chains.length),
      (d.count / 1000).toFixed(2),
      (d.evidence / 1000).toFixed(2),
      (cli.ms / 1000).toFixed(2),
      Number.isNaN(d.duck) ? '—' : (d.duck / 1000).toFixed(2),
      (set.mb / (d.read / 1000)).toFixed(1),
      d.longest ? d.longest.toFixed(0) : '< 50',
      (d.memory / 1048576).toFixed(0),
    ]);
  }
  console.log('');
  table(rows);
  console.log('(medians of the runs; longest task: the worst of the runs, long tasks are those over 50 ms)');
  for (const { set, cli, app, duckdb } of results) {
    console.log(`${set.name}: app count ms ${app.map((r) => r.countMs.toFixed(0)).join(', ')}; evidence ms ${app.map((r) => r.evidenceMs.toFixed(0)).join(', ')}; ` +
      `worker read ms ${app.map((r) => r.readMs).join(', ')}, query ms ${app.map((r) => r.queryMs).join(', ')}; long tasks while loading ${app.map((r) => r.longTasks).join(', ')}`);
    console.log(`${set.name}: CLI ms ${cli.times.map((t) => t.toFixed(0)).join(', ')}` +
      (duckdb.length ? `; DuckDB-WASM ms ${duckdb.map((r) => r.ms.toFixed(0)).join(', ')} (register ${median(duckdb.map((r) => r.registerMs)).toFixed(0)}, query ${median(duckdb.map((r) => r.queryMs)).toFixed(0)}), ${duckdb[0].rows} rows, ${duckdb[0].version}` : ''));
  }
  const verdict = (ok) => (ok ? 'met' : 'missed');
  const targets = [['target', ...results.map((r) => r.set.name)]];
  targets.push(['app ≤ 2× CLI (app count / CLI)', ...results.map(({ cli }, i) => `${(derived[i].count / cli.ms).toFixed(2)}× ${verdict(derived[i].count <= TARGETS.appPerCli * cli.ms)}`)]);
  targets.push(['no main-thread task > 200 ms (loading)', ...derived.map((d) => `${d.longest.toFixed(0)} ms ${verdict(d.longest <= TARGETS.longTaskMs)}`)]);
  if (duck) {
    targets.push(['app ≥ 25× faster than DuckDB-WASM (DuckDB / app count)', ...derived.map((d) => `${(d.duck / d.count).toFixed(2)}× ${verdict(d.duck >= TARGETS.duckdbPerApp * d.count)}`)]);
    targets.push(['  the same, to evidence ready (DuckDB / app evidence)', ...derived.map((d) => `${(d.duck / d.evidence).toFixed(2)}×`)]);
  }
  const fleet = results.find((r) => r.keys);
  if (fleet) {
    const ks = fleet.app.flatMap((r) => r.keyMs);
    const ok = ks.filter((x) => x != null);
    const med = median(ok);
    const longest = Math.max(...fleet.app.map((r) => r.keyLongestMs));
    targets.push(['keystroke ≤ 100 ms (filter, median)', ...results.map((r) => (r === fleet ? `${med.toFixed(0)} ms ${verdict(med <= TARGETS.keystrokeMs)}` : '—'))]);
    console.log(`fleet: filter "${fleet.keys.text}" typed and backspaced, 11 strokes, ${fleet.app.length}× (${ok.length} keystrokes answered${ks.length > ok.length ? `, ${ks.length - ok.length} not within 10 s` : ''}): ` +
      `median ${med.toFixed(0)} ms, max ${Math.max(...ok).toFixed(0)} ms; matches ${fleet.app[0].keyMatched.join(', ')}; longest task while typing ${longest ? longest.toFixed(0) + ' ms' : '< 50 ms'}`);
  }
  for (const { set, early: e } of results) {
    if (e) {
      console.log(`${set.name}: typed as soon as the chains showed: a keystroke and its Backspace ${e.ms.map((m) => (m == null ? 'not answered within 10 s' : `${m.toFixed(0)} ms`)).join(', ')} ` +
        `(${e.reading ? 'the evidence still being read' : 'the evidence was already read'})`);
    }
  }
  console.log('');
  table(targets);
  if (problems.length) console.log(`\nproblems (exit 1):\n  ${problems.join('\n  ')}`);
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '));
}

// A run, untimed: the progress view (screenshot), then Cancel.
async function cancelPart(browser, set) {
  const tab = await newPage(browser, appUrl);
  const again = tab.page;
  await again.waitForFunction(() => !document.getElementById('boot'));
  await again.setInputFiles('[data-testid=file-input]', set.paths);
  await again.waitForFunction(() => {
    const p = document.querySelector('.progress-total');
    return p && Number(p.value) > Number(p.max) * 0.3;
  }, null, { timeout: TIMEOUT, polling: 50 });
  await again.screenshot({ path: artifact('progress.png') });
  const cancelAt = Date.now();
  await again.click('[data-testid=cancel]');
  await again.waitForSelector('[data-testid=drop-zone]');
  console.log(`cancel:  ${set.name}: Cancel returned to the start in ${Date.now() - cancelAt} ms (progress view: ${artifact('progress.png')})`);
  await tab.context.close();
}

// Windows event logs: the same EVTX set as bench/bench.py (run it first to create it) through the
// app, beside the native CLI on one thread and the evtx crate's own parse (copyexec-evtx-floor).
async function evtxPart(browser) {
  const dir = join(ROOT, 'bench-data', 'evtx-v2-200');
  if (!existsSync(dir)) {
    console.log('evtx:    skipped (run bench/bench.py first to create bench-data/evtx-v2-200)');
    return;
  }
  const evtx = readdirSync(dir).filter((f) => f.endsWith('.evtx')).sort().map((f) => join(dir, f));
  const evtxMb = evtx.reduce((n, p) => n + statSync(p).size, 0) / 1e6;
  const tab = await newPage(browser, appUrl);
  const { page } = tab;
  await page.waitForFunction(() => !document.getElementById('boot'));
  await page.setInputFiles('[data-testid=file-input]', evtx);
  await page.waitForSelector('[data-testid=summary][data-read-ms]', { timeout: TIMEOUT });
  const readMs = Number(await page.getAttribute('[data-testid=summary]', 'data-read-ms'));
  await tab.context.close();
  const time = (args) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(args[0], args.slice(1), { maxBuffer: 1 << 30 });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args[0]} failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const native = time([CLI, 'rows', '-q', '--threads', '1', ...evtx]);
  const floor = time([join(CLI, '..', 'copyexec-evtx-floor'), ...evtx]);
  console.log(`evtx:    ${evtx.length} files, ${evtxMb.toFixed(1)} MB: browser worker read ${(readMs / 1000).toFixed(2)} s (${(evtxMb / (readMs / 1000)).toFixed(1)} MB/s); ` +
    `native copyexec, one thread ${native.toFixed(2)} s (${(evtxMb / native).toFixed(1)} MB/s); ` +
    `evtx crate alone ${floor.toFixed(2)} s (${(evtxMb / floor).toFixed(1)} MB/s)`);
  console.log(`evtx:    browser / native = ${(native / (readMs / 1000)).toFixed(2)}, browser / evtx crate = ${(floor / (readMs / 1000)).toFixed(2)}`);
}
