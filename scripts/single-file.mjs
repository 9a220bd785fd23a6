// Makes dist/copyexec.html from the Trunk build in dist/: the whole app in one file that runs
// from file:// (no fetch, no module import): the stylesheet inlined, the wasm-bindgen glue
// inlined as the page's module script (and kept as text for the worker's Blob), the module
// and the sample files base64-encoded in data blocks. The Content-Security-Policy allows
// exactly the inline script and style by their SHA-256.
//   node scripts/single-file.mjs DIST
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.argv[2] || join(root, 'dist');
const index = readFileSync(join(dist, 'index.html'), 'utf8');

const attr = (re, what) => {
  const m = index.match(re);
  if (!m) throw new Error(`single-file: ${what} not found in ${dist}/index.html`);
  return m[1];
};
const cssName = attr(/<link rel="stylesheet" href="\.\/([^"]+\.css)"/, 'stylesheet');
const jsName = attr(/data-js="\.\/([^"]+\.js)"/, 'glue');
const wasmName = attr(/data-wasm="\.\/([^"]+\.wasm)"/, 'module');

const css = readFileSync(join(dist, cssName), 'utf8');
const glue = readFileSync(join(dist, jsName), 'utf8');
const wasm = readFileSync(join(dist, wasmName));
const host = readFileSync(join(root, 'web/host.js'), 'utf8').replace(/^export /gm, '');
const boot = readFileSync(join(root, 'web/boot-single.js'), 'utf8');

const samples = [];
const manifest = join(dist, 'sample/manifest.json');
if (existsSync(manifest)) {
  for (const name of JSON.parse(readFileSync(manifest, 'utf8'))) {
    samples.push({ name, b64: readFileSync(join(dist, 'sample', name)).toString('base64') });
  }
}

// Raw text inside <script>/<style> ends at "</script" or "</style"; "<!--" changes how it is
// parsed. None may occur in what is inlined.
for (const [what, text] of [['glue', glue], ['host', host], ['boot', boot], ['css', css]]) {
  if (/<\/script|<!--|<\/style/i.test(text)) {
    throw new Error(`single-file: ${what} contains a sequence that cannot be inlined`);
  }
}
const samplesJson = JSON.stringify(samples).replace(/</g, '\\u003c');

const script = `${glue}\n{\n${host}\n${boot}\n}\n`;
const sha = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const csp = [
  "default-src 'none'",
  `script-src ${sha(script)} 'wasm-unsafe-eval'`,
  `style-src ${sha(css)}`,
  'img-src data:',
  'worker-src blob:',
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

const head = index.match(/<head>([\s\S]*?)<\/head>/)[1];
const keep = head
  .split('\n')
  .filter((l) => /<meta (name|charset)|<title>|rel="icon"/.test(l))
  .join('\n');

const html = `<!doctype html>
<html lang="en">
<head>
${keep.replace(/^\s*/gm, '  ')}
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <style>${css}</style>
</head>
<body>
  <div id="boot" class="boot" role="status">Loading copyexec…</div>
  <noscript><p class="boot boot-error">copyexec runs in your browser and needs JavaScript and WebAssembly enabled. Nothing is uploaded.</p></noscript>
  <div id="app"></div>
  <script type="text/plain" id="copyexec-glue">${glue}</script>
  <script type="application/octet-stream" id="copyexec-wasm">${wasm.toString('base64')}</script>
  <script type="application/json" id="copyexec-samples">${samplesJson}</script>
  <script type="module">${script}</script>
</body>
</html>
`;
writeFileSync(join(dist, 'copyexec.html'), html);
console.error(
  `single-file: ${join(dist, 'copyexec.html')} (${(html.length / 1e6).toFixed(1)} MB: module ${(wasm.length / 1e6).toFixed(1)} MB, ${samples.length} sample files)`,
);
