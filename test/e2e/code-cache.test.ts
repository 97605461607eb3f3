// dist/localfc.mjs (scripts/code-cache-loader.mjs) runs the CommonJS bundle with V8's code cache: the cache is written at
// exit when there is none or it belongs to another build, it is used by the next start, and a changed bundle is never
// run from the older build's cache. Checked in a scratch directory with a stand-in bundle.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

describe('the bundle loader', () => {
  it('writes the code cache at exit, runs with it, and starts over for a changed bundle', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'localfc-code-cache-'));
    try {
      const loader = path.join(dir, 'localfc.mjs');
      const bundle = path.join(dir, 'localfc.cjs');
      const cache = path.join(dir, 'localfc.cjs.cache');
      copyFileSync(new URL('../../scripts/code-cache-loader.mjs', import.meta.url), loader);
      // The stand-in reports how vm compiled it: what require, __filename and module it got, and its argv. Wrapped as
      // scripts/bundle.mjs wraps the bundle: the module function, compiled as the file is.
      const standIn = (word: string) =>
        `(function (exports, require, module, __filename, __dirname) {const fs = require('node:fs'); module.exports = 1; console.log(${JSON.stringify(word)}, path(__filename), typeof fs.readFileSync, process.argv.slice(2).join(' '));\nfunction path(f) { return require('node:path').basename(f); }\n})`;
      const run = async () => (await promisify(execFile)(process.execPath, [loader, '--port', '0'])).stdout.trim();

      writeFileSync(bundle, standIn('first'));
      utimesSync(bundle, 1000, 1000);
      assert.equal(await run(), 'first localfc.cjs function --port 0');
      assert.ok(existsSync(cache), 'the first run wrote the cache');
      const written = readFileSync(cache);
      assert.match(written.subarray(0, 40).toString('latin1'), new RegExp(`^localfc.cjs ${readFileSync(bundle).length} 1000000\\n`), 'keyed by the bundle size and mtime');

      assert.equal(await run(), 'first localfc.cjs function --port 0', 'the second run, from the cache');
      assert.ok(readFileSync(cache).equals(written), 'an accepted cache is not rewritten');

      writeFileSync(bundle, standIn('second, longer'));
      utimesSync(bundle, 2000, 2000);
      assert.equal(await run(), 'second, longer localfc.cjs function --port 0', 'a rebuilt bundle runs its own code');
      assert.match(readFileSync(cache).subarray(0, 40).toString('latin1'), /^localfc.cjs \d+ 2000000\n/, 'and gets a cache of its own');

      writeFileSync(cache, Buffer.concat([readFileSync(cache).subarray(0, readFileSync(cache).indexOf(10) + 1), Buffer.from('not V8 data')]));
      assert.equal(await run(), 'second, longer localfc.cjs function --port 0', 'data V8 refuses: compiled from source');
      assert.ok(readFileSync(cache).length > 100, 'and the cache is written again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
