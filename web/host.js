// The page's host for the copyexec WebAssembly module: what Rust asks of JavaScript
// (globalThis.copyexecHost). Shared by the served build (boot.js) and the single file
// (boot-single.js); it must stay free of `import` so the single file can inline it.
//
// The worker runs the same module: its script is the wasm-bindgen glue plus a line that
// instantiates the compiled module the page sends it, so one download serves both and
// the single file needs no second copy of the wasm. The script is a Blob URL and a classic
// (not module) worker: that is what Chromium allows from file:// as well as from a server
// (CSP: worker-src blob:). So the glue's ES module syntax is turned into a classic script.

function classicWorkerSource(glueSource) {
  const body = glueSource
    .replace(/^export\s*\{[^}]*\};?[ \t]*$/gm, '')
    .replace(/^export (default )?(async function|function|class|const|let) /gm, '$2 ')
    .replace(/import\.meta\.url/g, 'self.location.href');
  if (/^\s*(import|export)\b/m.test(body)) {
    throw new Error('the WebAssembly glue has module syntax the worker cannot load');
  }
  return (
    '"use strict";\n' +
    body +
    '\n;self.onmessage = (e) => { self.onmessage = null; initSync({ module: e.data }); };\n'
  );
}

export function installHost({ glueSource, module, sampleFiles }) {
  const source = classicWorkerSource(glueSource);
  let workerUrl = null;
  globalThis.copyexecHost = {
    makeWorker() {
      if (workerUrl === null) {
        workerUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      }
      const worker = new Worker(workerUrl, { name: 'copyexec-analysis' });
      worker.postMessage(module);
      return worker;
    },
    sampleFiles,
    filesFromDataTransfer,
  };
}

// Every file of a drop, walking dropped folders (names are paths inside them). The
// entries are taken before the first await: a DataTransfer is emptied after its event.
function filesFromDataTransfer(dt) {
  const entries = [];
  const loose = [];
  for (const item of Array.from(dt.items || [])) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) {
      entries.push(entry);
    } else {
      const file = item.getAsFile();
      if (file) loose.push({ name: file.name, file });
    }
  }
  if (entries.length === 0 && loose.length === 0) {
    for (const file of Array.from(dt.files || [])) loose.push({ name: file.name, file });
  }
  return (async () => {
    const out = loose.slice();
    for (const entry of entries) await walk(entry, '', out);
    return out;
  })();
}

async function walk(entry, prefix, out) {
  if (entry.name.startsWith('.') && prefix !== '') return;
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ name: prefix + entry.name, file });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    const children = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      children.push(...batch);
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) await walk(child, prefix + entry.name + '/', out);
  }
}

// Shows why the app could not start, as text.
export function showBootError(error) {
  const el = document.getElementById('boot');
  if (!el) return;
  el.classList.add('boot-error');
  el.textContent =
    'copyexec could not start in this browser: ' +
    (error && error.message ? error.message : String(error)) +
    '. It needs a current Chromium, Firefox or Safari with WebAssembly and module workers.';
}

export function bootDone() {
  const el = document.getElementById('boot');
  if (el) el.remove();
}
