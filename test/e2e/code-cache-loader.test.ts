// dist/localfc.mjs (scripts/code-cache-loader.mjs) runs dist/localfc.cjs with V8's code cache: it writes the cache at
// exit when there is none, or when it was made for another build or V8 refuses it, and otherwise uses it as it is. The
// source and the cache are read through one buffer (the larger file's size), whichever of the two is larger. Checked
// with stand-in bundles (a CommonJS module function, as scripts/bundle.mjs writes it) in a scratch directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';

/** A bundle whose answer needs its whole source: a function at its end, called from its start. */
const bundle = (padding: number): string =>
  `(function (exports, require, module, __filename, __dirname) {process.stdout.write(last(require('node:path').basename(__filename)));/*${'x'.repeat(padding)}*/function last(name) { return 'ran ' + name + '\\n'; }})`;

it('runs the bundle, writes the code cache once and then uses it, and rewrites one made for another build or refused, whether the bundle or its cache is the larger file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'localfc-code-cache-'));
  try {
    mkdirSync(path.join(dir, 'dist'));
    copyFileSync(new URL('../../scripts/code-cache-loader.mjs', import.meta.url), path.join(dir, 'dist', 'localfc.mjs'));
    const file = path.join(dir, 'dist', 'localfc.cjs');
    const cache = `${file}.cache`;
    const run = async () => (await promisify(execFile)(process.execPath, [path.join(dir, 'dist', 'localfc.mjs')])).stdout;
    // A few hundred bytes of source (its cache is larger), then 2 MB (larger than its cache).
    for (const padding of [0, 2_000_000]) {
      writeFileSync(file, bundle(padding));
      rmSync(cache, { force: true });
      assert.equal(await run(), 'ran localfc.cjs\n', 'no cache');
      const written = readFileSync(cache);
      const { size, mtimeMs } = statSync(file);
      assert.ok(written.subarray(0, 100).toString('latin1').startsWith(`localfc.cjs ${size} ${mtimeMs}\n`), 'the cache names the build it was made for');
      assert.equal(written.length > size, padding === 0, `the larger file (${written.length} bytes of cache, ${size} of source)`);

      assert.equal(await run(), 'ran localfc.cjs\n', 'with the cache');
      assert.deepEqual(readFileSync(cache), written, 'a cache V8 takes is not rewritten');

      const refused = Buffer.concat([written.subarray(0, written.indexOf('\n') + 1), Buffer.alloc(written.length, 7)]);
      writeFileSync(cache, refused);
      assert.equal(await run(), 'ran localfc.cjs\n', 'a cache V8 refuses');
      const rewritten = readFileSync(cache);
      assert.notDeepEqual(rewritten, refused, 'rewritten');
      assert.equal(await run(), 'ran localfc.cjs\n', 'with the rewritten cache');
      assert.deepEqual(readFileSync(cache), rewritten, 'which V8 takes');

      utimesSync(file, 1000, 1000);
      assert.equal(await run(), 'ran localfc.cjs\n', 'a cache made for another build');
      assert.ok(readFileSync(cache).toString('latin1').startsWith(`localfc.cjs ${size} 1000000\n`), 'rewritten for this build');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
