// Starts the single-file build (appended to the inlined glue and host.js, so `__wbg_init`,
// `installHost`, `showBootError` and `bootDone` are in scope). The module, the glue's text
// for the worker and the sample files are data blocks of this page: nothing is fetched.
{
  const text = (id) => {
    const el = document.getElementById(id);
    return el ? el.textContent : '';
  };
  const decode = (b64) => {
    const bin = atob(b64.replace(/\s+/g, ''));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  };
  const sampleFiles = async () => {
    const list = JSON.parse(text('copyexec-samples') || '[]');
    return list.map(({ name, b64 }) => ({ name, file: new File([decode(b64)], name) }));
  };
  (async () => {
    try {
      const module = await WebAssembly.compile(decode(text('copyexec-wasm')));
      installHost({ glueSource: text('copyexec-glue'), module, sampleFiles });
      await __wbg_init({ module_or_path: module });
      bootDone();
    } catch (e) {
      showBootError(e);
      throw e;
    }
  })();
}
