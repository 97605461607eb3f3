// Removes dist/ outputs whose source under src/ is gone: tsc's incremental build never deletes one, so a module moved
// out of src/ (to test/helpers, say) would still be packed and published from a checkout built before the move.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;

function prune(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (OUTPUT.test(entry.name) && !existsSync(join(root, 'src', relative(dist, path).replace(OUTPUT, '.ts')))) rmSync(path);
  }
}

prune(dist);
