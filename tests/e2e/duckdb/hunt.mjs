// The DuckDB-WASM peer of the browser benchmark: hunt.sql (the hunting query as DuckDB SQL) over
// the CSV exports chosen in the file input, in DuckDB-WASM's worker (the single-threaded "eh"
// build, from ./node_modules). Files are registered as browser File handles (read in place, as
// the app reads them) and the table of each is told by its name (DeviceNetworkEvents*.csv, …).
//
// Timed from the input's change event to the result rows in hand on the page (registering the
// files, planning, reading the CSV and the joins, the Arrow result sent over). DuckDB starting
// (the wasm compiled and instantiated) is not timed: the page is ready when body[data-ready].
// The outcome is window.__hunt and the status element's data-* attributes:
//   data-done="1" data-rows data-ms (total) data-register-ms data-query-ms, or data-error.
// With window.__huntRender = true the rows are also rendered as copyexec's reference renders
// duckdb-kql's (tests/differential/reference.py), into window.__hunt.rendered (after the timing).
import * as duckdb from './node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs';

const TABLES = ['DeviceNetworkEvents', 'DeviceLogonEvents', 'DeviceFileEvents', 'DeviceProcessEvents'];
const OUTPUT = ['Timestamp', 'DeviceName', 'RemoteIP', 'RemotePort', 'AccountDomain', 'AccountName', 'AccountSid',
  'Protocol', 'LogonId', 'RemoteDeviceName', 'IsLocalAdmin', 'FileName', 'FolderPath', 'SHA1', 'SHA256', 'MD5',
  'ProcessCommandLine'];
const status = document.querySelector('[data-testid=status]');
const input = document.querySelector('[data-testid=file-input]');
const tolerance = document.querySelector('[data-testid=tolerance]');
let run = 0;

const base = new URL('./node_modules/@duckdb/duckdb-wasm/dist/', import.meta.url);
const bootStart = performance.now();
const worker = new Worker(new URL('duckdb-browser-eh.worker.js', base));
const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
const [sqlText] = await Promise.all([
  fetch(new URL('./hunt.sql', import.meta.url)).then((r) => r.text()),
  db.instantiate(new URL('duckdb-eh.wasm', base).href),
]);
status.textContent = `DuckDB ${await db.getVersion()} ready: choose the exports.`;
document.body.dataset.ready = '1';
document.body.dataset.bootMs = String(Math.round(performance.now() - bootStart));

const lit = (s) => `'${s.replaceAll("'", "''")}'`;

/** hunt.sql with its placeholders filled in, as tests/differential/test_duckdb_sql.py fills them. */
function huntSql(byTable, seconds) {
  let text = sqlText;
  for (const t of TABLES) text = text.replaceAll(`{{${t}}}`, `[${byTable[t].map(lit).join(', ')}]`);
  return text.replaceAll('{{ToleranceInSeconds}}', String(seconds));
}

/** reference.render_ns: epoch nanoseconds as `2024-03-11T08:00:14.0820530Z`. */
function renderNs(text) {
  const ns = BigInt(text);
  let secs = ns / 1000000000n;
  let frac = ns % 1000000000n;
  if (frac < 0n) { frac += 1000000000n; secs -= 1n; }
  const day = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${day}.${String(frac / 100n).padStart(7, '0')}Z`;
}

input.addEventListener('change', async () => {
  const start = performance.now();
  const files = [...input.files];
  const seconds = Math.trunc(Number(tolerance.value) || 0);
  const conn = await db.connect();
  const registered = [];
  const out = { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
  window.__hunt = undefined;
  delete status.dataset.done;
  try {
    run += 1;
    const byTable = Object.fromEntries(TABLES.map((t) => [t, []]));
    for (const f of files) {
      const table = TABLES.find((t) => f.name.startsWith(t));
      if (!table) throw new Error(`${f.name}: not named after one of ${TABLES.join(', ')}`);
      const name = `run${run}/${f.name}`;
      await db.registerFileHandle(name, f, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
      registered.push(name);
      byTable[table].push(name);
    }
    const missing = TABLES.filter((t) => byTable[t].length === 0);
    if (missing.length) throw new Error(`no file for ${missing.join(', ')}`);
    const sql = huntSql(byTable, seconds);
    const registeredAt = performance.now();
    status.textContent = `running the query over ${files.length} files …`;
    const result = await conn.query(sql);
    const end = performance.now();
    Object.assign(out, {
      rows: result.numRows,
      ms: end - start,
      registerMs: registeredAt - start,
      queryMs: end - registeredAt,
    });
    if (window.__huntRender) {
      const cols = OUTPUT.map((c) => (c === 'Timestamp'
        ? `CAST(epoch_ns("Timestamp") AS VARCHAR) AS "Timestamp"`
        : `coalesce(CAST("${c}" AS VARCHAR), '') AS "${c}"`)).join(', ');
      const table = await conn.query(`SELECT ${cols} FROM (${sql})`);
      out.rendered = table.toArray().map((r) => OUTPUT.map((c) =>
        c === 'Timestamp' ? (r[c] == null ? '' : renderNs(r[c])) : String(r[c])));
    }
    status.textContent = `${out.rows} rows in ${out.ms.toFixed(0)} ms`;
    Object.assign(status.dataset, {
      rows: String(out.rows), ms: out.ms.toFixed(1), registerMs: out.registerMs.toFixed(1), queryMs: out.queryMs.toFixed(1),
    });
  } catch (e) {
    out.error = String(e?.message || e);
    status.textContent = `failed: ${out.error}`;
    status.dataset.error = out.error;
  } finally {
    await conn.close();
    for (const name of registered) await db.dropFile(name);
    window.__hunt = out;
    status.dataset.done = '1';
  }
});
