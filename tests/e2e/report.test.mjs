// The HTML report in a real browser: headless Chromium opens the CLI's report from file://
// (as from a mail attachment or a USB stick) and proves that
//   - no script ran: the canary `window.__pwned` that every hostile value tries to set stays
//     undefined, no Content-Security-Policy violation was reported, the console stayed silent;
//   - nothing was fetched: the only request is the file:// document itself;
//   - every chain is shown: the chain count and the chain elements equal
//     `copyexec chains --format json`, each chain's folder path is visible as text, and the
//     embedded document equals the CLI's;
//   - hostile values are visible as inert text, invisible characters as ⟨U+XXXX⟩ markers.
// Screenshots (light, dark, print) and a PDF go to tests/artifacts/.
//
// The copyexec binary: $COPYEXEC_BIN, else target/release/copyexec (built if missing or stale).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const artifacts = path.join(root, 'tests', 'artifacts');
const hostileDir = path.join(root, 'tests', 'fixtures', 'hostile');
const sampleDir = path.join(root, 'web', 'sample');
const REPORT_TIME = '2024-03-12T09:00:00Z';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--disable-sync', '--disable-quic',
];

const PWN = 'window.__pwned=1';
const HOSTILE_TEXT = [
  `</script><script>${PWN}</script>`,
  `<img src=x onerror="${PWN}">`,
  `<svg onload=${PWN}>`,
  `"'><iframe src=javascript:${PWN}></iframe>`,
  `javascript:${PWN}`,
  `data:text/html,<script>${PWN}</script>`,
  '</style><style>body{display:none}</style>',
  '}body{display:none}*{color:red',
  '&lt;&amp;&#60;&quot;&nbsp;',
  '<!--<script>-->',
  `{{constructor.constructor('${PWN}')()}}\${${PWN}}`,
  "=cmd|' /C calc'!A0",
];

// The report's rule for characters shown as markers (crates/report/src/text.rs, is_hidden).
const HIDDEN = [
  [0x00, 0x1f], [0x7f, 0x9f], [0xa0, 0xa0], [0xad, 0xad], [0x34f, 0x34f], [0x61c, 0x61c],
  [0x115f, 0x1160], [0x1680, 0x1680], [0x17b4, 0x17b5], [0x180b, 0x180f], [0x2000, 0x200f],
  [0x2028, 0x202f], [0x205f, 0x206f], [0x2800, 0x2800], [0x3000, 0x3000], [0x3164, 0x3164],
  [0xfe00, 0xfe0f], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff0, 0xfffd], [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];
const visible = (s) => Array.from(s, (c) => {
  const u = c.codePointAt(0);
  return HIDDEN.some(([a, b]) => u >= a && u <= b)
    ? `⟨U+${u.toString(16).toUpperCase().padStart(4, '0')}⟩`
    : c;
}).join('');

function copyexecBin() {
  if (process.env.COPYEXEC_BIN) return process.env.COPYEXEC_BIN;
  const build = spawnSync('cargo', ['build', '--release', '-q', '-p', 'copyexec-cli', '-p', 'copyexec-bench'], {
    cwd: root, stdio: ['ignore', 'inherit', 'inherit'],
  });
  assert.equal(build.status, 0, 'cargo build of the CLI');
  return path.join(root, 'target', 'release', 'copyexec');
}

function run(bin, args) {
  const r = spawnSync(bin, args, {
    cwd: root,
    env: { ...process.env, COPYEXEC_REPORT_TIME: REPORT_TIME },
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  assert.ok(r.status === 0, `copyexec ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

let bin;
let browser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  bin = copyexecBin();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

/** Opens `file` in a fresh context, recording requests, console output and CSP violations. */
async function open(file, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const seen = { requests: [], console: [], errors: [] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  // Runs before the page's own content; CDP-injected, so the page's policy does not apply.
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  return { context, page, seen, url };
}

async function assertInert(page, seen, url, islands = ['application/json', 'application/json']) {
  assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined', 'a script ran');
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations');
  assert.deepEqual(seen.console, [], 'console output');
  assert.deepEqual(seen.errors, [], 'page errors');
  assert.deepEqual(seen.requests, [url], 'requests other than the document');
  const dom = await page.evaluate(() => ({
    scripts: [...document.scripts].map((s) => s.type),
    tags: ['img', 'iframe', 'object', 'embed', 'link[rel=stylesheet]', 'base', 'form', 'style']
      .map((t) => [t, document.querySelectorAll(t).length]),
    handlers: [...document.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
    bodyDisplay: getComputedStyle(document.body).display,
  }));
  assert.deepEqual(dom.scripts, islands, 'only the data islands');
  assert.deepEqual(dom.tags, [['img', 0], ['iframe', 0], ['object', 0], ['embed', 0],
    ['link[rel=stylesheet]', 0], ['base', 0], ['form', 0], ['style', 1]]);
  assert.deepEqual(dom.handlers, [], 'event handler attributes');
  assert.equal(dom.bodyDisplay, 'block', 'injected CSS hid the page');
}

/** Everything `copyexec chains --format json` says is in the report. */
async function assertMatchesCli(page, paths) {
  const doc = JSON.parse(run(bin, ['chains', '--format', 'json', '-q', ...paths]));
  const count = await page.getByTestId('chain-count').textContent();
  assert.equal(count, String(doc.totals.chains), 'chain-count');
  const chains = page.getByTestId('chain');
  assert.equal(await chains.count(), doc.chains.length, 'chain elements');
  for (const [i, c] of doc.chains.entries()) {
    const text = await chains.nth(i).innerText();
    assert.ok(text.includes(visible(c.folder_path)), `${c.id}: folder path not visible as text`);
    assert.ok(text.includes(c.start.timestamp), `${c.id}: start time`);
    assert.ok(await chains.nth(i).locator('svg.tl').isVisible(), `${c.id}: timeline`);
  }
  const embedded = await page.evaluate(() =>
    JSON.parse(document.getElementById('copyexec-data').textContent));
  assert.deepEqual(embedded, doc, 'embedded document equals the CLI\'s');
  return doc;
}

async function screenshots(name, file) {
  const light = await open(file);
  await light.page.screenshot({ path: path.join(artifacts, `${name}-top.png`) });
  await light.page.getByTestId('chain').first().screenshot({ path: path.join(artifacts, `${name}-chain1.png`) });
  await light.page.locator('#overview').screenshot({ path: path.join(artifacts, `${name}-overview.png`) });
  await light.page.locator('#inputs').screenshot({ path: path.join(artifacts, `${name}-inputs.png`) });
  await light.page.pdf({ path: path.join(artifacts, `${name}.pdf`), format: 'A4', printBackground: true });
  await light.context.close();
  const dark = await open(file, { colorScheme: 'dark' });
  await dark.page.screenshot({ path: path.join(artifacts, `${name}-dark.png`) });
  await dark.context.close();
}

test('the hostile corpus: no script, no request, every value visible as text', async () => {
  const out = path.join(artifacts, 'report-hostile.html');
  run(bin, ['report', '-q', hostileDir, '-o', out,
    '--title', `Hostile corpus </title><script>${PWN}</script>`,
    '--notes', `Notes are hostile too: <img src=x onerror="${PWN}">\nsecond line \u202e`]);
  const { context, page, seen, url } = await open(out);
  await assertInert(page, seen, url);
  const doc = await assertMatchesCli(page, [hostileDir]);
  assert.ok(doc.chains.length >= 1);

  // Evidence collapsed in <details> counts too: open it all (from the test, not the page).
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  const text = await page.locator('body').innerText();
  for (const v of HOSTILE_TEXT) {
    assert.ok(text.includes(v), `not visible as text: ${v}`);
  }
  for (const marker of ['⟨U+202E⟩', '⟨U+200B⟩', '⟨U+200D⟩', '⟨U+FEFF⟩', '⟨U+0000⟩', '⟨U+FFFD⟩']) {
    assert.ok(text.includes(marker), `marker ${marker}`);
  }
  assert.ok(text.includes('more characters not shown'), 'the 100 kB value is cut with a note');
  assert.equal(await page.title(), `Hostile corpus </title><script>${PWN}</script>`);
  // The markers are styled apart from text that merely looks like one.
  const marker = await page.locator('.inv').first().evaluate((el) => getComputedStyle(el).borderStyle);
  assert.equal(marker, 'dashed');
  await page.screenshot({ path: path.join(artifacts, 'hostile-full.png'), fullPage: true });
  await assertInert(page, seen, url);
  await context.close();
  await screenshots('hostile', out);
});

test('the sample data: every chain shown with its timeline', { skip: !existsSync(sampleDir) && 'web/sample/ is not there' }, async () => {
  const out = path.join(artifacts, 'report-sample.html');
  run(bin, ['report', '-q', sampleDir, '-o', out, '--title', 'CORP, 11 March 2024: lateral movement',
    '--notes', 'Sample data set bundled with copyexec.\nEverything in it is made up.']);
  const size = statSync(out).size;
  const { context, page, seen, url } = await open(out);
  await assertInert(page, seen, url);
  const doc = await assertMatchesCli(page, [sampleDir]);
  assert.equal(await page.locator('svg.ov').count(), 1, 'overview timeline');
  await context.close();
  await screenshots('sample', out);
  writeFileSync(path.join(artifacts, 'report-sample-size.txt'),
    `${size} bytes for ${doc.chains.length} chains\n`);
  console.log(`sample report: ${size} bytes for ${doc.chains.length} chains`);
  assert.ok(size < 1024 * 1024, `the sample's report is ${size} bytes`);
});

test('a fleet of 2,000 hosts: the story first, every chain listed, small and quick to open', async () => {
  const fleetDir = path.join(artifacts, 'fleet');
  const gen = spawnSync(path.join(path.dirname(bin), 'copyexec-fleet'), [fleetDir, '2000'], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const out = path.join(artifacts, 'report-fleet.html');
  run(bin, ['report', '-q', fleetDir, '-o', out]);
  const size = statSync(out).size;
  const started = Date.now();
  const { context, page, seen, url } = await open(out);
  const loadMs = Date.now() - started;
  await assertInert(page, seen, url, ['application/gzip+base64', 'application/json']);
  assert.equal(await page.getByTestId('chain-count').textContent(), '10007');
  const graph = await page.getByTestId('spread-graph').innerText();
  for (const label of ['10.66.6.6', 'ws0007', 'srv-fs1', 'dc1', 'srv-db1', 'ws0012', 'sccm1', '1,998 hosts']) {
    assert.ok(graph.includes(label), `spread graph shows ${label}`);
  }
  assert.equal(await page.getByTestId('group').count(), 8);
  assert.equal(await page.getByTestId('chain-row').count(), 10007);
  assert.equal(await page.getByTestId('chain').count(), 57, 'rare chains in full, 10 of each installer');
  // The story comes before the chains.
  const order = await page.evaluate(() => ['story', 'groups', 'chains']
    .map((id) => document.getElementById(id).getBoundingClientRect().top));
  assert.ok(order[0] < order[1] && order[1] < order[2], `${order}`);
  await page.locator('#story').screenshot({ path: path.join(artifacts, 'fleet-story.png') });
  await page.screenshot({ path: path.join(artifacts, 'fleet-top.png') });
  await context.close();
  const line = `fleet report: ${size} bytes for 10007 chains, opened in ${loadMs} ms\n`;
  writeFileSync(path.join(artifacts, 'report-fleet-size.txt'), line);
  console.log(line.trim());
  assert.ok(size <= 25 * 1024 * 1024, `the fleet's report is ${size} bytes`);
  assert.ok(loadMs <= 15000, `the fleet's report took ${loadMs} ms to open`);
});
