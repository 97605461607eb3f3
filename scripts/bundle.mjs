// `npm run build` step 2: the server (src/main.ts with every dependency) as one CommonJS file, dist/localfc.cjs, run by
// dist/localfc.mjs (scripts/code-cache-loader.mjs) with V8's code cache, which `npm start` and `npx localfc` run. One
// file starts several times faster than tsc's ~150 modules plus node_modules resolved one by one (module resolution was
// about a third of the start-up), and the code cache saves compiling it. Plain .mjs: it runs before anything is built.
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { strToU8, zipSync } from 'fflate';

// LOCALFC_BUNDLE_DIR: another output directory than dist/ (tests build a scratch bundle there).
const dist = (f) => (process.env.LOCALFC_BUNDLE_DIR ? `${process.env.LOCALFC_BUNDLE_DIR}/${f}` : new URL(`../dist/${f}`, import.meta.url).pathname);
const root = new URL('..', import.meta.url).pathname;

/**
 * Modules the server needs only on some paths are loaded on first use, not at start-up: the bundle would evaluate them
 * (and compile, or read from the code cache) before listening. esbuild evaluates every ES module import at start, so
 * the import is routed through a stand-in whose exports are getters requiring the real module the first time one is
 * read. undici: only the process and container backends use it, not the default simulated backend's start-up; it is
 * bundled into a file of its own, dist/undici.cjs, so a start-up does not read its 0.7 MB (it is not in the code cache
 * either way: no start-up runs it). So are pino (and the packages it brings: 0.1 MB), yauzl (the process and container
 * backends' zip reader) and croner (cron expressions of timer triggers): every start read their source (~10 us per KB).
 * @hono/node-server: its module loads Node.js's internal undici (the global Request and Response it stands in for),
 * which the health check, answered by the fast routes, does not need (src/server.ts makes its listener on the first
 * request they do not take).
 * pino: log.ts makes its destination when the first gathered lines are handed over, after the answer that logged them
 * (pino's transport code alone loads node:worker_threads and node:assert). The Node.js built-ins listed: used by later
 * work only (the process and container backends, unpacking code, persistence, fault latency, heap-trim.ts, started a
 * second after listening); each costs 0.3-1.7 ms of CPU to load, and neither the health check nor a CreateFunction
 * on the default backend loads node:os, node:fs/promises, node:timers/promises or node:child_process. node:crypto
 * (~4 ms): the health check needs none of it (request ids come from Math.random, ids.ts), a CreateFunction loads it.
 */
/**
 * A CommonJS module whose exports are getters that evaluate `load` (a require() expression) when one is first read.
 * The getters are on the exports' prototype, not the exports themselves: esbuild's __toESM, run for each module that
 * imports the stand-in, copies a module's own properties into a namespace object of that module (a getter and a
 * descriptor each: node:crypto's 67 names for 13 modules, ~1,000 at every start-up, ~100 page faults) and gives it the
 * module's prototype, through which the names are found instead.
 */
const standIn = (names, load) =>
  `let m; const real = () => (m ??= ${load});\nmodule.exports = Object.create({ ${names.map((n) => `get ${JSON.stringify(n)}() { return real()[${JSON.stringify(n)}]; }`).join(', ')} });\n`;

const LAZY = /^(undici|@hono\/node-server|pino|yauzl|croner|node:(child_process|crypto|zlib|os|fs\/promises|timers\/promises|perf_hooks|v8|stream\/promises|string_decoder|async_hooks))$/;
/** The lazy packages bundled into a file of their own next to the bundle, which their stand-in requires. */
const OWN_FILE = { undici: 'undici.cjs', pino: 'pino.cjs', yauzl: 'yauzl.cjs', croner: 'croner.cjs' };
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    // From src/ (and nanoid, which reads node:crypto only when making an id) only: the stand-in's own require() resolves to the package.
    b.onResolve({ filter: LAZY }, (a) => (a.importer.startsWith(`${root}src/`) || a.importer.startsWith(`${root}node_modules/nanoid/`) ? { path: a.path, namespace: 'lazy-module' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (a) => {
      const names = Object.keys(createRequire(import.meta.url)(a.path)).filter((n) => n !== 'default');
      const load = OWN_FILE[a.path] ? `require(require('node:path').join(__dirname, ${JSON.stringify(OWN_FILE[a.path])}))` : `require(${JSON.stringify(a.path)})`;
      return { contents: standIn(names, load), loader: 'js', resolveDir: root };
    });
  },
};

/**
 * The process and container backends, which only `--backend process|docker` use, are evaluated on first use too: app.ts
 * imports them through a stand-in like lazyModules', so the default simulated backend's start-up neither evaluates
 * their modules nor has their top-level code in its code cache (63 of its 954 KB). esbuild turns the stand-in's
 * require() of an ES module into a module initialised on that call.
 */
const LAZY_OWN = { [`${root}src/app.ts`]: /^\.\/backends\/(docker\/docker-backend|process\/index)\.ts$/ };
const lazyOwnModules = {
  name: 'lazy-own-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\/backends\// }, (a) => (LAZY_OWN[a.importer]?.test(a.path) ? { path: join(dirname(a.importer), a.path), namespace: 'lazy-own' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-own' }, (a) => {
      // The module's value exports (`export class X`, `export { X, type Y } from`), read from its source.
      const text = readFileSync(a.path, 'utf8');
      const names = [...text.matchAll(/^export (?:class|function|const|let) (\w+)/gm)].map((m) => m[1]);
      for (const m of text.matchAll(/^export \{([^}]*)\}/gm)) names.push(...m[1].split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type ')).map((n) => n.split(/\s+as\s+/).pop()));
      return { contents: standIn(names, `require(${JSON.stringify(a.path)})`), loader: 'js', resolveDir: dirname(a.path) };
    });
  },
};

/**
 * zod's `z.locales` namespace (every language's error messages, 0.3 MB of the bundle's 2.1) holds only English here:
 * localfc never switches zod's locale (its messages are FC's own), and the start-up reads the whole source every time.
 */
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) => (a.importer.includes('/node_modules/zod/') ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({ contents: `export { default as en } from 'zod/v4/locales/en.js';\n`, loader: 'js', resolveDir: root }));
  },
};

await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile: dist('localfc.cjs'),
  bundle: true,
  platform: 'node',
  // CommonJS, not ESM: only a script compiled through vm.Script can use V8's code cache on Node 20.
  format: 'cjs',
  target: 'node20',
  // Smaller source to read and parse at start; names are kept out of it, stack traces point into the bundle.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // main.ts finds package.json next to dist/ from import.meta.url, which CommonJS does not have.
  define: { 'import.meta.url': '__localfcModuleUrl' },
  // The file is the function expression Node wraps a CommonJS module in, so the loader compiles it as it is read:
  // wrapping it at run time made V8 copy the 2 MB string once more (flattening the concatenation) at every start.
  banner: { js: `(function (exports, require, module, __filename, __dirname) {const __localfcModuleUrl = require('node:url').pathToFileURL(__filename).href;` },
  footer: { js: '})' },
  plugins: [lazyModules, lazyOwnModules, englishOnly],
});
// undici, pino, yauzl and croner on their own, required by the bundle's stand-ins from the directory the bundle is in (see lazyModules).
for (const [pkg, file] of Object.entries(OWN_FILE)) {
  await build({ entryPoints: [createRequire(import.meta.url).resolve(pkg)], outfile: dist(file), bundle: true, platform: 'node', format: 'cjs', target: 'node20', minifyWhitespace: true, minifySyntax: true, legalComments: 'none', logLevel: 'warning' });
}
copyFileSync(new URL('code-cache-loader.mjs', import.meta.url), dist('localfc.mjs'));

// The code cache: the server started once to its first answer, so the functions a start compiles are in it. Only a
// speed-up: if this start fails (no loopback in a build sandbox, say) the build goes on, and the first run writes it.
rmSync(dist('localfc.cjs.cache'), { force: true });
// Without the builder's LOCALFC_* settings: a data directory or backend set for their own runs is not this start's.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOCALFC_')));
const server = spawn(process.execPath, [dist('localfc.mjs'), '--port', '0', '--host', '127.0.0.1', '--log', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'], env });
const exited = new Promise((resolve) => server.once('exit', resolve));
let out = '';
server.stderr.on('data', (d) => (out += d));
try {
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no listening line within 60 s')), 60_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`it exited (${code}) before listening`)));
    exited.then(() => clearTimeout(timer));
  });
  await (await fetch(`${url}/_localfc/health`, { signal: AbortSignal.timeout(60_000) })).text();
  // Then what a user's first call is: a function created (the full app's path, loaded after the health check).
  const zipFile = Buffer.from(zipSync({ 'index.js': strToU8('exports.handler = (e, c, cb) => cb(null, e)') })).toString('base64');
  const body = JSON.stringify({ functionName: 'warmup', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
  await (await fetch(`${url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) })).text();
} catch (e) {
  process.stderr.write(`bundle: no code cache written (the bundled server did not answer: ${e.message}) ${out}\n`);
} finally {
  server.kill('SIGTERM');
  await exited;
}
