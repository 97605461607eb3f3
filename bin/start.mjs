#!/usr/bin/env node
// `npm start`: runs the bundled server (dist/localfc.mjs, built by `npm ci` / `npm run build`) in this very process,
// so a signal to npm's pid reaches it. When src/ changed since the bundle was built (a checkout being edited), or there
// is no build, it runs the sources under tsx instead (slower to start, but never stale code).
import { readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/localfc.mjs', import.meta.url);
const src = new URL('../src/', import.meta.url);

/** The newest modification time of any file under `dir` (a checkout's src/ is a few hundred files: a few ms). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.name + (e.isDirectory() ? '/' : ''), dir);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let built = 0;
try {
  built = statSync(bundle).mtimeMs;
} catch {
  /* not built */
}
if (built > 0 && built >= newest(src)) {
  await import(bundle.href);
} else {
  process.stderr.write(`localfc: ${built ? 'src/ changed since the last build' : 'no build in dist/'}; running the sources under tsx (npm run build for the fast start)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('main.ts', src).href);
}
