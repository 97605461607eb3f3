// dist/localfc.mjs (copied there by scripts/bundle.mjs): runs the bundled server dist/localfc.cjs with V8's code cache.
// Node 20 caches no compiled code for ES modules (module.enableCompileCache is Node 22), and compiling the 2 MB bundle
// was the largest single cost of the start-up; a CommonJS bundle compiled through vm.Script can take V8's cachedData.
// The cache (dist/localfc.cjs.cache: a line naming the bundle's size and modification time, then V8's data) is written
// at exit when it was missing, was made for another build, or V8 refused it (another Node.js version, other V8 flags),
// so it holds every function that run compiled; `npm run build` writes it by starting the server to its first answer.
import { closeSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const file = fileURLToPath(new URL('./localfc.cjs', import.meta.url));
const cacheFile = `${file}.cache`;
const { size, mtimeMs } = statSync(file);
const key = Buffer.from(`localfc.cjs ${size} ${mtimeMs}\n`);
let cacheSize = 0;
try {
  cacheSize = statSync(cacheFile).size;
} catch {
  /* no cache yet */
}
// One buffer for both files: the source is read and decoded first, then the cache is read over it. Each 4 KB page of
// a fresh buffer costs a page fault when first written (10-20 us on this VM), ~225 of them for a cache of its own.
const buffer = Buffer.allocUnsafeSlow(Math.max(size, cacheSize));
// esbuild writes ASCII only (its default charset), so latin1 is exact and the cheapest decoding.
const source = buffer.toString('latin1', 0, readInto(file, buffer));
let cached;
try {
  const n = cacheSize && readInto(cacheFile, buffer);
  if (n > key.length && buffer.subarray(0, key.length).equals(key)) cached = buffer.subarray(key.length, n);
} catch {
  /* unreadable: it starts without the cache */
}
// The bundle is already wrapped as a CommonJS module function (scripts/bundle.mjs): compiled as read, with no copy.
const script = new vm.Script(source, { filename: file, cachedData: cached });
if (!cached || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]));
      renameSync(tmp, cacheFile);
    } catch {
      /* a read-only install: it starts without the cache */
    }
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));

/** Reads the file `path` into `into` from its start (it must be large enough); returns the bytes read. */
function readInto(path, into) {
  const fd = openSync(path, 'r');
  try {
    let n = 0;
    for (let got; n < into.length && (got = readSync(fd, into, n, into.length - n, n)) > 0; ) n += got;
    return n;
  } finally {
    closeSync(fd);
  }
}
