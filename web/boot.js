// Starts the served build: loads the wasm-bindgen glue and the module (from this origin
// only), installs the host, then starts the app. Trunk puts this script in the page with
// the glue's and the module's (hashed) names as data attributes.
import { installHost, showBootError, bootDone } from './host.js';

async function sampleFiles() {
  const base = new URL('sample/', document.baseURI);
  const response = await fetch(new URL('manifest.json', base));
  if (!response.ok) throw new Error(`no sample manifest (HTTP ${response.status})`);
  const names = await response.json();
  return Promise.all(
    names.map(async (name) => {
      const r = await fetch(new URL(encodeURIComponent(name), base));
      if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
      return { name, file: new File([await r.blob()], name) };
    }),
  );
}

try {
  const script = document.getElementById('copyexec-boot');
  const jsUrl = new URL(script.dataset.js, document.baseURI).href;
  const wasmUrl = new URL(script.dataset.wasm, document.baseURI).href;
  const [glue, glueSource, module] = await Promise.all([
    import(jsUrl),
    fetch(jsUrl).then((r) => r.text()),
    fetch(wasmUrl)
      .then((r) => {
        if (!r.ok) throw new Error(`${wasmUrl}: HTTP ${r.status}`);
        return r.arrayBuffer();
      })
      .then((bytes) => WebAssembly.compile(bytes)),
  ]);
  installHost({ glueSource, module, sampleFiles });
  await glue.default({ module_or_path: module });
  bootDone();
} catch (e) {
  showBootError(e);
  throw e;
}
