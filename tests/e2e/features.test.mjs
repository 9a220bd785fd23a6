// E2E tests of the app's allowlists, reports, near misses and EVTX input, in headless Chromium
// against the served build and the single file from file://. The native CLI is the reference:
//   (a) the allowlist editor: presets, a typed rule, an invalid rule, the KQL — as the CLI;
//   (b) Export report: the same bytes as `copyexec report` apart from the creation time, and
//       the report opens from file:// with no request and the CLI's chain count;
//   (c) Open a report in the app: its chains are shown again, labelled as from a report;
//   (d) an EVTX recording through the file input: the PsExec chains, as the CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CLI, FIXTURES, ROOT, appCards, artifact, chainCount, chooseFiles, cliChains, download,
  ensureCli, expectedCard, foreignRequests, label, launch, openApp, sampleFiles, targets,
  waitForResults,
} from './lib.mjs';

const PORTAL = join(FIXTURES, 'portal');
const PORTAL_FILES = ['DeviceFileEvents.csv', 'DeviceLogonEvents.csv', 'DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'];
const PRESETS = ['maintenance-tasks', 'software-deployment', 'admin-debugging', 'file-sync-tools'];
const PRESET_ARGS = PRESETS.flatMap((p) => ['--preset', p]);
const EVTX = join(ROOT, '../shared/datasets/evtx-to-mitre-attack/ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx');

/**
 * The sticky top bar would be painted over element screenshots: unstick it while they are
 * taken (through the CSSOM, which the strict CSP allows; an injected stylesheet it blocks).
 */
async function unstick(page, on) {
  await page.evaluate((on) => {
    const bar = document.querySelector('.topbar');
    if (bar) bar.style.position = on ? 'static' : '';
  }, on);
}

const CUSTOM_RULE = `# set aside the SQL backup account's copies to Temp
[[rule]]
id = "sql-backup-job"
reason = "the SQL backup job copies its helper to Temp and runs it"
account = ['corp\\svc-sqlbackup']
folder_path = ['C:\\Windows\\Temp\\*']
`;
const BAD_RULE = `[[rule]]
id = "bad"
reason = "a field that does not exist"
colour = ["red"]
`;

ensureCli();
const { urls, close } = await targets();
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await close();
});

/** A copy of the sample files with `extra` files beside them, for the CLI to run in. */
function sampleDirWith(extra) {
  const sample = sampleFiles();
  const dir = mkdtempSync(join(tmpdir(), 'copyexec-e2e-'));
  for (const f of sample.files) copyFileSync(join(sample.dir, f), join(dir, f));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return { dir, files: [...sample.files].sort() };
}

function cli(args, dir, env = {}) {
  const r = spawnSync(CLI, args, { cwd: dir, maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Waits until the counts shown are `chains` and `suppressed` and the evidence is in. */
async function waitForCounts(page, chains, suppressed) {
  await page.waitForFunction(
    ([c, s]) =>
      document.querySelector('[data-testid=chain-count]')?.textContent.trim() === String(c) &&
      document.querySelectorAll('[data-testid=suppressed-chain]').length === s,
    [chains, suppressed],
  );
  await waitForResults(page);
}

async function setPresets(page, on) {
  const toggles = page.locator('[data-testid=preset-toggle]');
  assert.equal(await toggles.count(), 4, 'four presets');
  for (let i = 0; i < 4; i++) await toggles.nth(i).setChecked(on);
}

function reportTime(html) {
  const m = html.match(/<script type="application\/json" id="copyexec-report">(.*?)<\/script>/s);
  assert.ok(m, 'the report carries its meta');
  return JSON.parse(m[1]).created;
}

for (const url of urls) {
  const name = label(url);
  describe(`${name} build: allowlists, reports, EVTX`, () => {
    let app;
    let reportPath;
    before(async () => {
      app = await openApp(browser, url);
    });
    after(async () => {
      assert.deepEqual(foreignRequests(url, app.requests), [], 'requests to other origins');
      assert.deepEqual(app.errors, [], 'page errors');
      await app.context.close();
    });

    test('allowlist editor: presets, a typed rule, an invalid rule and the KQL equal the CLI', async () => {
      const { page } = app;
      await page.click('[data-testid=sample-button]');
      await waitForResults(page);
      const panel = page.locator('[data-testid=allowlist-panel]');
      // Out of the way until asked for: closed while no rule is in force, one click opens it.
      assert.equal(await panel.locator('details').first().getAttribute('open'), null, 'closed without rules');
      await panel.locator('summary').first().click();
      assert.equal(await page.locator('[data-testid=preset-toggle]:checked').count(), 0, 'presets are off by default');
      assert.match(await panel.textContent(), /Scheduled system maintenance tasks/);
      assert.match(await panel.textContent(), /ccmsetup/);

      // The four presets: 3 chains and 4 suppressed, as the CLI.
      const sample = sampleDirWith({ 'rules.toml': CUSTOM_RULE, 'bad.toml': BAD_RULE });
      const ref = cliChains(sample.dir, sample.files, 5, PRESET_ARGS);
      assert.equal(ref.doc.chains.length, 3);
      assert.equal(ref.doc.suppressed_chains.length, 4);
      await setPresets(page, true);
      await waitForCounts(page, 3, 4);
      assert.deepEqual(
        await page.$$eval('[data-testid=suppressed-chain]', (els) => els.map((e) => e.dataset.chainId)),
        ref.doc.suppressed_chains.map((c) => c.id),
      );
      assert.deepEqual(await appCards(page), ref.doc.chains.map(expectedCard));
      assert.equal(await download(page, 'download-chains'), ref.text, 'chains JSON = CLI bytes with the presets');
      // Each suppressed chain names its rule and reason; per-rule counts in the summary.
      const first = page.locator('[data-testid=suppressed-chain]').first();
      const rule = ref.doc.suppressed_chains[0].suppressed_by[0];
      assert.match(await first.textContent(), new RegExp(rule));
      for (const r of ref.doc.allowlist.rules) {
        const row = page.locator(`[data-testid=rule-effect][data-rule="${r.id}"]`);
        assert.equal(Number(await row.locator('[data-testid=rule-rows]').textContent()), r.rows_set_aside);
        assert.equal(Number(await row.locator('[data-testid=rule-chains]').textContent()), r.chains_suppressed);
      }
      // One click shows a suppressed chain's card again.
      await first.locator('[data-testid=show-suppressed]').click();
      // The card opens below the list, for the chain of that row.
      await page.locator(`[data-testid=suppressed-chain-card][data-chain-id="${ref.doc.suppressed_chains[0].id}"]`).waitFor();
      assert.equal(await page.locator('[data-testid=chain]').count(), 3, 'suppressed cards are not counted as chains');
      const kqlRef = cli(['kql', '--tolerance', '5', ...PRESET_ARGS], sample.dir);
      assert.equal(kqlRef.status, 0, kqlRef.stderr);
      assert.equal(await page.textContent('[data-testid=kql]'), kqlRef.stdout, 'KQL = copyexec kql');
      await unstick(page, true);
      await panel.screenshot({ path: artifact(`${name}-allowlist-panel.png`) });
      await page.locator('[data-testid=suppressed-list]').screenshot({ path: artifact(`${name}-suppressed.png`) });
      await unstick(page, false);

      // A typed rule: the effect matches the CLI with the same rule file.
      await page.fill('[data-testid=rules-editor]', CUSTOM_RULE);
      const custom = cliChains(sample.dir, sample.files, 5, [...PRESET_ARGS, '--allowlist', 'rules.toml']);
      assert.equal(custom.doc.chains.length, 2);
      await waitForCounts(page, custom.doc.chains.length, custom.doc.suppressed_chains.length);
      assert.equal(await download(page, 'download-chains'), custom.text, 'chains JSON = CLI bytes with the typed rule');
      const kqlCustom = cli(['kql', '--tolerance', '5', ...PRESET_ARGS, '--allowlist', 'rules.toml'], sample.dir);
      assert.equal(await page.textContent('[data-testid=kql]'), kqlCustom.stdout, 'KQL with the typed rule');
      await unstick(page, true);
      await page.screenshot({ path: artifact(`${name}-allowlist-full.png`), fullPage: true });

      // An invalid rule: its error line is shown, as the CLI names it; the last valid rules stay.
      const bad = cli(['kql', '--allowlist', 'bad.toml'], sample.dir);
      assert.notEqual(bad.status, 0);
      const line = bad.stderr.match(/bad\.toml:(\d+):/)?.[1];
      assert.ok(line, `the CLI names the line: ${bad.stderr}`);
      await page.fill('[data-testid=rules-editor]', BAD_RULE);
      const error = page.locator('[data-testid=rules-error]');
      await error.waitFor();
      assert.equal(await error.getAttribute('data-line'), line);
      assert.match(await error.textContent(), new RegExp(`Line ${line}:.*colour`));
      assert.equal(await chainCount(page), custom.doc.chains.length, 'the last valid rules stay in force');
      await page.locator('.rules-editor').screenshot({ path: artifact(`${name}-rules-error.png`) });
      await unstick(page, false);

      // Back to no rules.
      await page.fill('[data-testid=rules-editor]', '');
      await setPresets(page, false);
      await waitForCounts(page, cliChains(sample.dir, sample.files, 5).doc.chains.length, 0);
    });

    test('export report: the same bytes as copyexec report; it opens from file:// with no request', async () => {
      const { page } = app;
      await page.click('text=New analysis');
      await chooseFiles(page, PORTAL_FILES.map((f) => join(PORTAL, f)));
      await waitForResults(page);
      const title = 'Case 42 <b>lateral</b>';
      const notes = 'Scope: file servers.\nSecond line & more';
      await page.fill('[data-testid=report-title]', title);
      await page.fill('[data-testid=report-notes]', notes);
      // The near-miss view on: near misses in the chains JSON and the report, as --near-misses.
      await page.click('#near-title');
      await page.waitForSelector('[data-testid=near-misses][data-included=true]');
      const near = cliChains(PORTAL, PORTAL_FILES, 5, ['--near-misses']);
      assert.ok(near.doc.near_misses.length > 0, 'the fixtures hold near misses');
      assert.equal(await download(page, 'download-chains'), near.text, 'chains JSON with near misses = CLI bytes');
      const html = await download(page, 'export-report');
      const created = reportTime(html);
      assert.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const ref = cli(
        ['report', '-q', '--tolerance', '5', '--title', title, '--notes', notes, '--near-misses', '-o', '-', ...PORTAL_FILES],
        PORTAL,
        { COPYEXEC_REPORT_TIME: created },
      );
      assert.ok(ref.status === 0 || ref.status === 1, ref.stderr);
      assert.ok(html === ref.stdout, 'report bytes = copyexec report (same creation time)');
      reportPath = artifact(`${name}-app-report.html`);
      writeFileSync(reportPath, html);
      await page.click('#near-title');
      await page.waitForSelector('[data-testid=near-misses][data-included=false]');

      // Opened from file:// in Chromium: nothing fetched, the CLI's chain count.
      const context = await browser.newContext();
      const requests = [];
      context.on('request', (r) => requests.push(r.url()));
      const viewer = await context.newPage();
      const fileUrl = pathToFileURL(reportPath).href;
      await viewer.goto(fileUrl);
      const count = Number((await viewer.textContent('[data-testid=chain-count]')).trim());
      assert.equal(count, near.doc.chains.length);
      assert.equal(await viewer.locator('[data-testid=chain]').count(), near.doc.chains.length);
      assert.deepEqual(requests, [fileUrl], 'no request but the report itself');
      await context.close();
    });

    test('open a report: its chains are shown again, labelled as from a report', async () => {
      const { page } = app;
      assert.ok(reportPath, 'the export test made a report');
      await page.click('text=New analysis');
      await chooseFiles(page, [reportPath]);
      await page.waitForSelector('[data-testid=report-origin]');
      await waitForResults(page);
      const ref = cliChains(PORTAL, PORTAL_FILES, 5).doc;
      assert.equal(await chainCount(page), ref.chains.length);
      assert.deepEqual(await appCards(page), ref.chains.map(expectedCard));
      assert.match(await page.textContent('[data-testid=report-origin]'), /Opened from a report/);
      assert.match(await page.textContent('[data-testid=report-origin]'), /Case 42 <b>lateral<\/b>/);
      await page.waitForSelector('[data-testid=tolerance-fixed]');
      assert.equal(await page.locator('[data-testid=tolerance]').count(), 0, 'no tolerance change from a report');
      await page.screenshot({ path: artifact(`${name}-opened-report.png`) });
    });

    test('EVTX through the file input: the two PsExec chains, as the CLI', async (t) => {
      if (!existsSync(EVTX)) {
        t.skip('../shared/datasets is absent: EVTX test skipped');
        return;
      }
      const { page } = app;
      await page.click('text=New analysis');
      await chooseFiles(page, [EVTX]);
      await waitForResults(page);
      const ref = cliChains(dirname(EVTX), [basename(EVTX)], 5).doc;
      assert.equal(ref.chains.length, 2);
      assert.equal(await chainCount(page), 2);
      assert.deepEqual(await appCards(page), ref.chains.map(expectedCard));
      const paths = await page.$$eval('[data-testid=chain-path]', (els) => els.map((e) => e.textContent).sort());
      assert.deepEqual(paths, ['C:\\Windows\\PSEXESVC.exe', 'C:\\Windows\\cmd.exe']);
    });
  });
}
