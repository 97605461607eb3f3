#!/usr/bin/env node
// `npx localfc [--port 9000] [--clock manual] …`: runs the bundled server (needs `npm run build` first when used from a checkout).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * In a git checkout, whether a file under src/ is newer than the bundle (a `git pull` since the last build): a start
 * must stay fast, so only directories are looked at first (16 of them, where every file would take tens of ms on a
 * busy machine), and the files of a directory only when the directory changed. git pull, checkout and merge replace the
 * files they change, which touches their directory; a file edited in place is not seen (`npm start` checks every file).
 */
function staleSources(bundleMtimeMs) {
  const newer = (dir) => {
    let changed = false;
    const entries = readdirSync(dir, { withFileTypes: true });
    if (statSync(dir).mtimeMs > bundleMtimeMs) changed = entries.some((e) => e.isFile() && statSync(`${dir}/${e.name}`).mtimeMs > bundleMtimeMs);
    return changed || entries.some((e) => e.isDirectory() && newer(`${dir}/${e.name}`));
  };
  return newer(`${root}src`);
}

/** In a git checkout, the bundle's modification time (it exits when there is no build); undefined elsewhere. */
let built;
if (existsSync(`${root}.git`) && existsSync(`${root}src`)) {
  try {
    built = statSync(`${root}dist/localfc.cjs`).mtimeMs;
  } catch {
    process.stderr.write('localfc: no build in dist/: run npm run build (or npm start, which runs the sources)\n');
    process.exit(1);
  }
}
await import('../dist/localfc.mjs');
// Once the bundle has started the server (its start-up does not wait for the directory walk): the warning comes after.
if (built !== undefined) {
  setImmediate(() => {
    if (staleSources(built)) process.stderr.write('localfc: src/ changed since dist/ was built: this runs the older build (npm run build to update it)\n');
  });
}
