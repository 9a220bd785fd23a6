// End-to-end tests of the copyexec web app in headless Chromium, against the served build and
// the single file from file:// alike. The native CLI is the reference: what the app shows and
// downloads must equal what `copyexec chains` / `copyexec rows` print for the same files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  CLI, FIXTURES, ROOT, appCards, openCard, artifact, chainCount, chooseFiles, cliChains, cliExport, cliRows, download,
  dropFiles, ensureCli, expectedCard, foreignRequests, label, launch, openApp, sampleFiles,
  setTolerance, targets, waitForResults,
} from './lib.mjs';

const PORTAL = join(FIXTURES, 'portal');
const BAD = join(FIXTURES, 'bad');
const PORTAL_FILES = [
  'DeviceFileEvents.csv',
  'DeviceLogonEvents.csv',
  'DeviceNetworkEvents.csv',
  'DeviceProcessEvents.csv',
];
const BAD_FILES = [
  'broken-quote-files.csv',
  'latin1-processes.csv',
  'screenshot.png',
  'truncated-logons.csv.gz',
];

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

/** The cards equal the CLI's chains, and the count too. */
async function assertSameAsCli(page, doc) {
  assert.equal(await chainCount(page), doc.chains.length, 'chain count');
  const cards = await appCards(page);
  assert.deepEqual(cards, doc.chains.map(expectedCard));
}

for (const url of urls) {
  const name = label(url);
  describe(`${name} build`, () => {
    let app;
    before(async () => {
      app = await openApp(browser, url);
    });
    after(async () => {
      assert.deepEqual(foreignRequests(url, app.requests), [], 'requests to other origins');
      assert.deepEqual(app.errors, [], 'page errors');
      await app.context.close();
    });

    test('landing: says what it does, offers files and the sample, strict CSP', async () => {
      const { page } = app;
      await page.waitForSelector('text=Drop the exports here');
      assert.match(await page.textContent('h1'), /copy a program onto this machine over SMB/);
      assert.match(await page.textContent('.lead'), /never leave this browser/);
      await page.waitForSelector('[data-testid=sample-button]');
      const csp = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.equal(await page.$('#boot'), null, 'boot message removed');
      await page.screenshot({ path: artifact(`${name}-landing.png`), fullPage: true });
    });

    test('file input: chains and details equal copyexec chains; downloads equal the CLI', async () => {
      const { page } = app;
      await chooseFiles(page, PORTAL_FILES.map((f) => join(PORTAL, f)));
      await waitForResults(page);
      const ref = cliChains(PORTAL, PORTAL_FILES, 5);
      assert.ok(ref.doc.chains.length >= 3, 'fixtures hold chains');
      await assertSameAsCli(page, ref.doc);
      // The overview has one marker per chain, on one lane per device.
      await page.waitForFunction((n) => document.querySelectorAll('.ov-chain').length === n, ref.doc.chains.length);
      const lanes = new Set(ref.doc.chains.map((c) => c.device_id)).size;
      assert.equal(await page.locator('.overview-svg .lane').count(), lanes);
      assert.equal(await download(page, 'download-chains'), ref.text, 'chains JSON = CLI bytes');
      assert.equal(await download(page, 'download-rows'), cliRows(PORTAL, PORTAL_FILES, 5), 'rows CSV = CLI bytes');
      for (const [id, format] of [['download-timesketch', 'timesketch'], ['download-timesketch-csv', 'timesketch-csv'],
        ['download-navigator', 'navigator']]) {
        assert.equal(await download(page, id), cliExport(PORTAL, PORTAL_FILES, format), `${format} = CLI bytes`);
      }
      await page.screenshot({ path: artifact(`${name}-results.png`), fullPage: true });
    });

    test('tolerance changes re-run the query without re-reading', async () => {
      const { page } = app;
      for (const t of [4, 8, 0, 5]) {
        await setTolerance(page, t);
        const ref = cliChains(PORTAL, PORTAL_FILES, t);
        await assertSameAsCli(page, ref.doc);
        if (t === 8) {
          assert.equal(await download(page, 'download-chains'), ref.text, `chains JSON at ${t} s`);
        }
      }
    });

    test('rapid tolerance changes (a dragged slider) end on the last value', async () => {
      const { page } = app;
      for (let t = 1; t <= 12; t++) await page.fill('[data-testid=tolerance]', String(t));
      await setTolerance(page, 12);
      await assertSameAsCli(page, cliChains(PORTAL, PORTAL_FILES, 12).doc);
      await setTolerance(page, 5);
    });

    test('markup in log fields is shown as text; an event opens all its fields', async () => {
      const { page } = app;
      const row = page.locator('[data-testid=chain]', { hasText: 'srv-file-02' });
      assert.equal(await row.locator('[data-testid=chain-file]').textContent(), '<b>rclone</b>.exe');
      const card = await openCard(page, row);
      assert.equal(await card.locator('.chain-file').textContent(), '<b>rclone</b>.exe');
      assert.equal(await page.locator('main img, main b').count(), 0, 'no element came from data');
      // Keyboard: focus the start marker, Enter opens the dialog, Escape closes it.
      const marker = card.locator('g.ev.lane-proc');
      await marker.focus();
      await page.keyboard.press('Enter');
      const dialog = page.locator('[data-testid=event-dialog]');
      await dialog.waitFor();
      // The chain's evidence comes from the worker when its dialog opens.
      await page.locator('[data-testid=event-dialog][data-evidence=true]').waitFor();
      const text = await dialog.textContent();
      assert.match(text, /ProcessCommandLine/);
      assert.match(text, /<img src=x onerror=alert\(1\)>/);
      assert.match(text, /ReportId/, 'original fields (evidence), not only key fields');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    });

    test('filter and sort', async () => {
      const { page } = app;
      await page.fill('[data-testid=filter]', 'ws-hr-07');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=chain]').length === 2);
      await page.selectOption('[data-testid=filter-field]', 'hash');
      await page.fill('[data-testid=filter]', 'aaaaaaaa');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=chain]').length === 1);
      assert.equal(await page.textContent('[data-testid=chain-file]'), 'PSEXESVC.exe');
      await page.fill('[data-testid=filter]', '');
      await page.selectOption('[data-testid=filter-field]', 'any');
      await page.selectOption('[data-testid=sort]', 'device');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=chain]')[0]?.dataset.chainId !== 'c1'
        || document.querySelectorAll('[data-testid=chain-device]')[0]?.textContent.startsWith('srv'));
      const devices = await page.$$eval('[data-testid=chain-device]', (els) => els.map((e) => e.textContent));
      assert.deepEqual(devices, [...devices].sort());
      await page.selectOption('[data-testid=sort]', 'time');
    });

    test('dark theme', async () => {
      const { page } = app;
      await page.click('.theme-toggle');
      await page.waitForSelector('html[data-theme=dark]');
      await page.screenshot({ path: artifact(`${name}-results-dark.png`), fullPage: false });
      await page.click('.theme-toggle');
      await page.waitForSelector('html[data-theme=light]');
    });

    test('drag and drop: same chains as the CLI', async () => {
      const { page } = app;
      await page.click('text=New analysis');
      await page.waitForSelector('[data-testid=drop-zone]');
      await dropFiles(page, PORTAL_FILES.map((f) => join(PORTAL, f)).reverse());
      await waitForResults(page);
      await assertSameAsCli(page, cliChains(PORTAL, PORTAL_FILES, 5).doc);
    });

    test('bad input: clear messages, the other files still analysed', async () => {
      const { page } = app;
      await page.click('text=New analysis');
      const all = [...PORTAL_FILES.map((f) => join(PORTAL, f)), ...BAD_FILES.map((f) => join(BAD, f))];
      await chooseFiles(page, all);
      await waitForResults(page);
      // The CLI on the same files, in the same (name) order.
      const dir = FIXTURES;
      const rel = [...PORTAL_FILES.map((f) => `portal/${f}`), ...BAD_FILES.map((f) => `bad/${f}`)];
      const ref = cliChains(dir, rel.sort((a, b) => (a.split('/')[1] < b.split('/')[1] ? -1 : 1)), 5).doc;
      assert.equal(await chainCount(page), ref.chains.length);
      assert.ok(ref.chains.length >= 3);
      const report = async (file) =>
        page.locator(`[data-testid=input-report][data-name="${file}"]`).textContent();
      assert.match(await report('screenshot.png'), /Not analysed: this is a PNG image, not an export/);
      assert.match(await report('latin1-processes.csv'), /invalid UTF-8/);
      assert.match(await report('broken-quote-files.csv'), /unbalanced quote/);
      assert.match(await report('truncated-logons.csv.gz'), /reading stopped.*deflate|deflate|gzip/i);
      assert.match(await page.textContent('[data-testid=summary]'), /could not be analysed/);
      await page.locator('section.inputs').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`${name}-bad-input.png`), fullPage: true });
    });

    test('sample data: one click, chains equal the CLI on the sample files', async () => {
      const { page } = app;
      const sample = sampleFiles();
      assert.ok(sample && sample.files.length >= 4, 'a sample set with four or more files');
      await page.click('text=New analysis');
      await page.click('[data-testid=sample-button]');
      await waitForResults(page);
      const ref = cliChains(sample.dir, [...sample.files].sort(), 5).doc;
      assert.ok(ref.chains.length > 0);
      await assertSameAsCli(page, ref);
      // Near misses: the same copies the CLI's --near-misses lists.
      const near = cliChains(sample.dir, [...sample.files].sort(), 5, ['--near-misses']).doc.near_misses;
      const shown = await page.$$eval('[data-testid=near-miss]', (els) => els.map((e) => e.dataset.nearId));
      assert.deepEqual(shown, near.map((m) => m.id));
      await page.screenshot({ path: artifact(`${name}-sample.png`), fullPage: false });
      // The query rows cross from the worker when their table opens: the CLI's rows.
      await page.click('#rows-title');
      await page.waitForSelector('[data-testid=rows-table] tbody tr');
      const cells = await page.$$eval('[data-testid=rows-table] tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
      const csv = execFileSync(CLI, ['rows', '-q', ...[...sample.files].sort()], { cwd: sample.dir }).toString('utf8').trim().split(/\r?\n/);
      assert.equal(cells.length, csv.length - 1, 'one table row per query row');
      assert.equal(cells[0][0], csv[1].split(',')[0], 'first row, first value');
      await page.click('#rows-title');
      await page.click('#near-title');
      await page.screenshot({ path: artifact(`${name}-sample-full.png`), fullPage: true });
      // An event's fields, as a responder opens them.
      await (await openCard(page, page.locator('[data-testid=chain]').first())).locator('tr[data-event-id] button').last().click();
      await page.locator('[data-testid=event-dialog][data-evidence=true]').waitFor();
      await page.screenshot({ path: artifact(`${name}-event-dialog.png`) });
      await page.keyboard.press('Escape');
    });

    test('the story first: spread and files equal the CLI, picking a host or a file lists its chains', async () => {
      const { page } = app;
      const sample = sampleFiles();
      const files = [...sample.files].sort();
      const run = (cmd) => JSON.parse(execFileSync(CLI, [cmd, '--format', 'json', '-q', ...files],
        { cwd: sample.dir, maxBuffer: 1 << 30 }).toString('utf8'));
      const spread = run('spread');
      const groups = run('groups').groups;
      // Summary, spread, files, then the chains: the story is above the chain list.
      const top = (sel) => page.locator(sel).first().evaluate((e) => e.getBoundingClientRect().top);
      const [s, g, c] = [await top('[data-testid=spread-graph]'), await top('[data-testid=group]'), await top('[data-testid=chain-list]')];
      assert.ok(s < g && g < c, `spread ${s}, files ${g}, chains ${c}`);
      const graph = await page.textContent('[data-testid=spread-graph]');
      for (const h of spread.hosts) {
        assert.ok(graph.includes(h.label.split('.')[0]), `spread graph shows ${h.label}`);
      }
      assert.equal(await page.locator('.spread-svg .sp-node.origin').count(), spread.origins.length, 'origins stand out');
      const rows = await page.$$eval('[data-testid=group]', (els) => els.map((e) => e.dataset.group));
      assert.deepEqual(rows, groups.map((x) => x.id), 'groups in the CLI order, rarest first');
      // A file lists its chains.
      const big = groups.reduce((a, b) => (b.chains.length > a.chains.length ? b : a));
      await page.click(`[data-testid=group][data-group=${big.id}] button`);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=chain]').length === n, big.chains.length);
      const ids = await page.$$eval('[data-testid=chain]', (els) => els.map((e) => e.dataset.chainId));
      assert.deepEqual([...ids].sort(), [...big.chains].sort());
      // A host lists the chains of its moves.
      const host = spread.hosts.find((h) => h.id === 'srv-db03');
      const want = new Set(spread.moves.filter((m) => m.from === host.id || m.to === host.id).flatMap((m) => m.chains));
      await page.click(`.spread-svg [data-host="${host.id}"]`);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=chain]').length === n, want.size);
      await page.screenshot({ path: artifact(`${name}-story-sample.png`), fullPage: false });
      await page.click('[data-testid=pick] button');
      await page.waitForFunction(() => !document.querySelector('[data-testid=pick]'));
    });

    test('dates that read either way: a prompt before the count, with both readings; one click settles it', async () => {
      const { page } = app;
      // The portal fixture with its connections' dates written 03/11/2024 (March 11 or 3 November).
      const dir = artifact('ambiguous-dates');
      mkdirSync(dir, { recursive: true });
      for (const f of PORTAL_FILES) {
        let text = readFileSync(join(PORTAL, f), 'utf8');
        if (f === 'DeviceNetworkEvents.csv') {
          text = text.replace(/^(\d{4})-(\d{2})-(\d{2})T([\d:.]+)Z/gm, '$2/$3/$1 $4');
        }
        writeFileSync(join(dir, f), text);
      }
      await page.click('text=New analysis');
      await chooseFiles(page, PORTAL_FILES.map((f) => join(dir, f)));
      await page.waitForSelector('[data-testid=date-order-prompt]');
      const prompt = page.getByTestId('date-order-prompt');
      const text = await prompt.textContent();
      assert.match(text, /month first: 2024-03-11 08:00 – 2024-03-11 17:15/);
      assert.match(text, /day first: 2024-11-03 08:00 – 2024-11-03 17:15/);
      assert.equal(await chainCount(page), 0);
      const above = await page.evaluate(() => document.querySelector('[data-testid=date-order-prompt]').getBoundingClientRect().top
        < document.querySelector('[data-testid=chain-count]').getBoundingClientRect().top);
      assert.ok(above, 'the prompt comes before the count');
      assert.match(await page.textContent('[data-testid=caveats]'), /could not be read/);
      await page.screenshot({ path: artifact(`${name}-date-prompt.png`), fullPage: false });
      const ref = cliChains(dir, PORTAL_FILES, 5, ['--date-order', 'mdy']).doc;
      assert.ok(ref.chains.length > 0);
      await page.click('[data-testid=date-order-mdy]');
      await page.waitForFunction((n) => document.querySelector('[data-testid=chain-count]')?.textContent.trim() === String(n)
        && !document.querySelector('[data-testid=date-order-prompt]'), ref.chains.length);
      await waitForResults(page);
      await assertSameAsCli(page, ref);
      // Placed without reading the file again: its report says the order was chosen after
      // reading (reading again with the order asked for says 'as requested'), and no
      // date-order error is left.
      const net = page.locator('[data-testid=input-report][data-name="DeviceNetworkEvents.csv"]');
      assert.match(await net.textContent(), /month first \(chosen after reading\)/);
      assert.doesNotMatch(await net.textContent(), /day\/month order unknown/);
      const caveats = await page.evaluate(() => document.querySelector('[data-testid=caveats]')?.textContent ?? '');
      assert.doesNotMatch(caveats, /could not be read/);
    });

    test('a fleet of 2,000 hosts: the push folds, the intrusion stands out, no lane per device', async () => {
      const { page } = app;
      const dir = artifact('fleet-app');
      execFileSync(join(ROOT, 'target/release/copyexec-fleet'), [dir, '2000']);
      const names = ['DeviceFileEvents.csv', 'DeviceLogonEvents.csv', 'DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'];
      await page.click('text=New analysis');
      const started = Date.now();
      await chooseFiles(page, names.map((f) => join(dir, f)));
      await page.waitForSelector('[data-testid=chain-count]', { timeout: 120000 });
      const countMs = Date.now() - started;
      assert.equal(await chainCount(page), 10007);
      const graph = await page.textContent('[data-testid=spread-graph]');
      for (const label of ['10.66.6.6', 'ws0007', 'srv-fs1', 'dc1', 'srv-db1', 'ws0012', 'sccm1', '1,998 hosts']) {
        assert.ok(graph.includes(label), `spread graph shows ${label}`);
      }
      assert.equal(await page.locator('[data-testid=group]').count(), 8);
      await page.screenshot({ path: artifact(`${name}-story-fleet.png`), fullPage: false });
      // 2,004 devices: no timeline lane each (that alone made the page 88,807 px tall).
      assert.equal(await page.locator('.overview-svg .lane').count(), 0);
      assert.match(await page.textContent('section.overview'), /too many for a lane each/);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.waitForSelector('[data-testid=evidence-status][data-complete=true]', { timeout: 120000 });
      const evidenceMs = Date.now() - started;
      // The page holds the chains without their evidence: one chain's comes when it is opened.
      const asked = Date.now();
      await (await openCard(page, page.locator('[data-testid=chain]').first())).locator('tr[data-event-id] button').last().click();
      await page.locator('[data-testid=event-dialog][data-evidence=true]').waitFor();
      const dialogMs = Date.now() - asked;
      const fields = await page.textContent('[data-testid=event-dialog]');
      for (const f of ['ProcessId', 'InitiatingProcessFileName', 'ProcessCommandLine']) assert.ok(fields.includes(f), f);
      await page.keyboard.press('Escape');
      console.log(`${name}: fleet chain count after ${countMs} ms, evidence read after ${evidenceMs} ms, ` +
        `one chain's evidence shown ${dialogMs} ms after asking; page ${height} px tall`);
    });

    test('the fleet’s 10,007 chains in one table: it scrolls to the last, filters and picks in the worker, draws only what is in view', async () => {
      const { page } = app;
      const dir = artifact('fleet-app');
      const names = ['DeviceFileEvents.csv', 'DeviceLogonEvents.csv', 'DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'];
      const ref = cliChains(dir, names, 5, ['--no-evidence']).doc;
      const spread = JSON.parse(execFileSync(CLI, ['spread', '--format', 'json', '-q', ...names], { cwd: dir, maxBuffer: 1 << 30 }).toString('utf8'));
      const list = page.locator('[data-testid=chain-list]');
      const settled = (n) => page.waitForFunction((n) => {
        const l = document.querySelector('[data-testid=chain-list]');
        return l?.dataset.pending === '0' && l.dataset.matched === String(n);
      }, n);
      await settled(ref.chains.length);
      const ids = () => page.$$eval('[data-testid=chain]', (rows) => rows.map((r) => r.dataset.chainId));
      const top = await ids();
      assert.deepEqual(top, ref.chains.slice(0, top.length).map((c) => c.id), 'the first rows, in time order');
      assert.ok(top.length >= 14 && top.length <= 40, `${top.length} rows drawn, not 10,007`);
      const heights = await page.$$eval('[data-testid=chain]', (rows) => [...new Set(rows.map((r) => r.getBoundingClientRect().height))]);
      assert.deepEqual(heights, [34], 'every row is as tall as the table reckons');
      // Scrolled to the end: the last chains, still a screenful of rows.
      await page.$eval('.chains .chain-scroll', (el) => { el.scrollTop = el.scrollHeight; });
      const last = ref.chains.at(-1).id;
      await page.waitForSelector(`[data-testid=chain][data-chain-id="${last}"]`);
      await settled(ref.chains.length);
      const bottom = await ids();
      assert.ok(bottom.length <= 40, `${bottom.length} rows drawn at the end`);
      assert.deepEqual(bottom, ref.chains.slice(-bottom.length).map((c) => c.id), 'the last rows, in time order');
      // A row far down opens its card, with the CLI's fields.
      const card = await openCard(page, page.locator(`[data-testid=chain][data-chain-id="${last}"]`));
      assert.equal(await card.locator('.chain-file').textContent(), ref.chains.at(-1).file_name);
      // A host picked in the spread lists the chains of its moves, counted in the worker.
      const want = spread.moves.filter((m) => m.from === 'ws0007' || m.to === 'ws0007').flatMap((m) => m.chains);
      await page.click('.spread-svg [data-host="ws0007"]');
      await settled(want.length);
      assert.match(await page.textContent('[data-testid=pick]'), new RegExp(`\\(${want.length} chains\\)`));
      assert.deepEqual((await ids()).sort(), [...want].sort());
      await page.click('[data-testid=pick] button');
      // Each keystroke of the filter is answered by the worker; the count follows.
      const typed = [];
      for (const [i, ch] of [...'mimi'].entries()) {
        const t0 = await page.evaluate(() => performance.now());
        await page.locator('[data-testid=filter]').press(ch);
        const n = ref.chains.filter((c) => [c.device_name, c.device_id, c.file_name, c.folder_path, ...c.accounts, ...c.remote_ips,
          c.sha256, c.sha1, c.md5].some((v) => v.toLowerCase().includes('mimi'.slice(0, i + 1)))).length;
        await settled(n);
        typed.push((await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))))) - t0);
      }
      assert.deepEqual(await ids(), ref.chains.filter((c) => c.file_name === 'mimi.exe').map((c) => c.id));
      await page.fill('[data-testid=filter]', '');
      await settled(ref.chains.length);
      console.log(`${name}: fleet filter keystrokes painted after ${typed.map((t) => t.toFixed(0)).join(', ')} ms`);
      await page.screenshot({ path: artifact(`${name}-fleet-table.png`), fullPage: false });
      assert.ok(await list.isVisible());
    });

    test('the fleet with the software-deployment preset: the push is set aside, listed apart in the same table, and the intrusion is what remains', async () => {
      const { page } = app;
      const dir = artifact('fleet-app');
      const names = ['DeviceFileEvents.csv', 'DeviceLogonEvents.csv', 'DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'];
      const ref = cliChains(dir, names, 5, ['--no-evidence', '--preset', 'software-deployment']).doc;
      assert.equal(ref.suppressed_chains.length, 10000);
      const panel = page.locator('[data-testid=allowlist-panel]');
      await panel.locator('summary').first().click();
      await panel.locator('[data-testid=preset][data-preset=software-deployment] [data-testid=preset-toggle]').setChecked(true);
      await page.waitForFunction(([c, s]) => document.querySelector('[data-testid=chain-count]')?.textContent.trim() === String(c)
        && document.querySelector('[data-testid=suppressed-list]')?.dataset.matched === String(s), [ref.chains.length, ref.suppressed_chains.length]);
      const kept = await page.$$eval('[data-testid=chain]', (rows) => rows.map((r) => r.dataset.chainId));
      assert.deepEqual(kept, ref.chains.map((c) => c.id), 'what remains: the intrusion and the time trap');
      // The 10,000 set-aside chains scroll in the same table, each with its rule.
      const drawn = await page.$$eval('[data-testid=suppressed-chain]', (rows) => rows.map((r) => r.dataset.chainId));
      assert.ok(drawn.length <= 40, `${drawn.length} suppressed rows drawn`);
      assert.deepEqual(drawn, ref.suppressed_chains.slice(0, drawn.length).map((c) => c.id));
      await page.$eval('.suppressed .chain-scroll', (el) => { el.scrollTop = el.scrollHeight; });
      const last = ref.suppressed_chains.at(-1);
      const row = page.locator(`[data-testid=suppressed-chain][data-chain-id="${last.id}"]`);
      await row.waitFor();
      assert.match(await row.textContent(), new RegExp(last.suppressed_by[0]));
      await row.locator('[data-testid=show-suppressed]').click();
      await page.locator(`[data-testid=suppressed-chain-card][data-chain-id="${last.id}"]`).waitFor();
      await page.screenshot({ path: artifact(`${name}-fleet-preset.png`), fullPage: false });
      await panel.locator('[data-testid=preset][data-preset=software-deployment] [data-testid=preset-toggle]').setChecked(false);
      await page.waitForFunction((n) => document.querySelector('[data-testid=chain-count]')?.textContent.trim() === String(n), 10007);
    });

    test('read in 1, 2 or 4 workers, the files give the same bytes as the CLI, unreadable ones included', async () => {
      // 32 MB of exports (noise around 60 chains) beside the damaged files: large enough to be
      // shared out (24 MiB and more).
      const dir = artifact('parallel-32mb');
      if (!existsSync(join(dir, 'DeviceProcessEvents.csv'))) {
        execFileSync('python3', [join(ROOT, 'tests/e2e/gen_bench.py'), dir, '32'], { stdio: 'ignore' });
      }
      for (const f of BAD_FILES) writeFileSync(join(dir, f), readFileSync(join(BAD, f)));
      const files = ['DeviceFileEvents.csv', 'DeviceLogonEvents.csv', 'DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv', ...BAD_FILES].sort();
      const ref = cliChains(dir, files, 5);
      assert.ok(ref.doc.chains.length >= 50, 'the set makes chains');
      for (const cores of [1, 2, 4]) {
        const other = await openApp(browser, url, { cores });
        try {
          await chooseFiles(other.page, files.map((f) => join(dir, f)));
          await waitForResults(other.page, 120000);
          const readers = Number(await other.page.getAttribute('[data-testid=summary]', 'data-readers'));
          assert.equal(readers, cores, `${cores} cores: files read by ${cores} workers`);
          assert.equal(await chainCount(other.page), ref.doc.chains.length);
          assert.equal(await download(other.page, 'download-chains'), ref.text, `${cores} workers: chains JSON = CLI bytes`);
          const summary = await other.page.textContent('[data-testid=summary]');
          if (cores > 1) assert.match(summary, new RegExp(`by ${cores} workers`));
          else assert.doesNotMatch(summary, /by \d+ workers/);
          assert.deepEqual(foreignRequests(url, other.requests), []);
          assert.deepEqual(other.errors, []);
        } finally {
          await other.context.close();
        }
      }
    });

    test('one large export read in pieces by 2 or 4 workers gives the same bytes as the CLI', async () => {
      // The file events of the 32 MB set three times over (31 MB, one header) beside the other
      // three tables: above its fair share, so it is read in pieces.
      const dir = artifact('parallel-32mb');
      const big = join(dir, 'DeviceFileEvents-x3.csv');
      if (!existsSync(big)) {
        const text = readFileSync(join(dir, 'DeviceFileEvents.csv'), 'utf8');
        const body = text.slice(text.indexOf('\n') + 1);
        writeFileSync(big, text + body + body);
      }
      const files = ['DeviceFileEvents-x3.csv', 'DeviceLogonEvents.csv', 'DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv', ...BAD_FILES].sort();
      const ref = cliChains(dir, files, 5);
      assert.ok(ref.doc.chains.length >= 50, 'the set makes chains');
      for (const [cores, pieces] of [[2, 2], [4, 3]]) {
        const other = await openApp(browser, url, { cores });
        try {
          const closed = [];
          for (const w of other.page.workers()) w.on('close', () => closed.push(w.url()));
          await chooseFiles(other.page, files.map((f) => join(dir, f)));
          await waitForResults(other.page, 120000);
          const readers = Number(await other.page.getAttribute('[data-testid=summary]', 'data-readers'));
          assert.equal(readers, cores, `${cores} cores: read by ${cores} workers`);
          const split = await other.page.getAttribute('[data-testid=summary]', 'data-pieces');
          assert.equal(split, String(pieces), `${cores} cores: the large file in ${pieces} pieces`);
          // Each reading worker, its part delivered, gives way to a fresh one (a worker's memory
          // never shrinks): the page keeps its workers, none holding a copy of the data.
          for (let i = 0; i < 50 && closed.length < cores - 1; i++) await other.page.waitForTimeout(100);
          assert.equal(closed.length, cores - 1, `${cores} cores: the reading workers were ended after reading`);
          assert.equal(other.page.workers().length, cores, 'fresh reading workers stand ready');
          assert.equal(await chainCount(other.page), ref.doc.chains.length);
          assert.equal(await download(other.page, 'download-chains'), ref.text, `${cores} workers: chains JSON = CLI bytes`);
          assert.deepEqual(foreignRequests(url, other.requests), []);
          assert.deepEqual(other.errors, []);
        } finally {
          await other.context.close();
        }
      }
    });
  });
}
