// `node bin/localfc.mjs` (the README's Quick start) runs dist/ whatever its age; in a git checkout it says so when a file
// under src/ is newer than the bundle (a `git pull` since the last build), in one line on stderr, and still runs it.
// Checked in a scratch copy with stand-in files and set modification times.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const STALE = 'localfc: src/ changed since dist/ was built: this runs the older build (npm run build to update it)\n';

describe('node bin/localfc.mjs', () => {
  it('warns once when a file under src/ is newer than dist/localfc.cjs in a git checkout, and runs the build', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'localfc-bin-'));
    try {
      for (const d of ['bin', 'dist', 'src/api/routes']) mkdirSync(path.join(dir, d), { recursive: true });
      copyFileSync(new URL('../../bin/localfc.mjs', import.meta.url), path.join(dir, 'bin', 'localfc.mjs'));
      writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
      writeFileSync(path.join(dir, 'dist', 'localfc.mjs'), "console.log('bundle', process.argv.slice(2).join(' '));\n");
      writeFileSync(path.join(dir, 'dist', 'localfc.cjs'), '/* the bundle */\n');
      writeFileSync(path.join(dir, 'src', 'main.ts'), 'export {};\n');
      writeFileSync(path.join(dir, 'src', 'api', 'routes', 'x.ts'), 'export {};\n');
      const at = (p: string, seconds: number) => utimesSync(path.join(dir, p), seconds, seconds);
      for (const p of ['src/main.ts', 'src/api/routes/x.ts', 'src/api/routes', 'src/api', 'src']) at(p, 1000);
      at('dist/localfc.cjs', 2000);
      const run = async () => {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(dir, 'bin', 'localfc.mjs'), '--port', '0']);
        return { stdout, stderr };
      };

      // Not a git checkout (an npm install ships src/ too): never a warning.
      at('src/api/routes/x.ts', 3000);
      at('src/api/routes', 3000);
      assert.deepEqual(await run(), { stdout: 'bundle --port 0\n', stderr: '' }, 'no .git: no check');

      mkdirSync(path.join(dir, '.git'));
      assert.deepEqual(await run(), { stdout: 'bundle --port 0\n', stderr: STALE }, 'a file replaced two directories down, as git pull does');

      at('src/api/routes/x.ts', 1000);
      assert.deepEqual(await run(), { stdout: 'bundle --port 0\n', stderr: '' }, 'a directory changed (an editor swap file came and went) but no file is newer');

      at('src/api/routes', 1000);
      at('src/main.ts', 3000);
      at('src', 3000);
      assert.deepEqual(await run(), { stdout: 'bundle --port 0\n', stderr: STALE }, 'a file at the top of src/');

      at('dist/localfc.cjs', 4000);
      assert.deepEqual(await run(), { stdout: 'bundle --port 0\n', stderr: '' }, 'rebuilt: quiet again');

      rmSync(path.join(dir, 'dist', 'localfc.cjs'));
      await assert.rejects(run(), (e: { code: number; stderr: string; stdout: string }) => {
        assert.equal(e.code, 1);
        assert.equal(e.stdout, '');
        assert.match(e.stderr, /^localfc: no build in dist\/: run npm run build/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
