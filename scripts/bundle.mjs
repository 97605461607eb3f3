// `npm run build` step 2: the server (src/main.ts with every dependency) as one ES module, dist/localfc.mjs, which
// `npm start` and `npx localfc` run. One file starts several times faster than tsc's ~150 modules plus node_modules
// resolved one by one (module resolution was about a third of the start-up). Plain .mjs: it runs before anything is built.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile: new URL('../dist/localfc.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Smaller source to read and parse at start; names are kept out of it, stack traces point into the bundle.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (undici, pino, yauzl) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __localfcCreateRequire } from 'node:module'; const require = __localfcCreateRequire(import.meta.url);" },
});
