/**
 * The README's SDK example, as a newcomer copies it: its shell lines make index.js, the JavaScript block runs with
 * plain node (no tsx) against a started localfc, with only the endpoint changed to that server's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createZip } from '../helpers/zip.ts';
import { start } from '../../src/index.ts';
import { readmeCodeBlock } from '../helpers/readme.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const SECTION = 'Using the official SDK';

describe("the README's SDK example", () => {
  let dir: string;
  let example: string;

  before(async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    example = readmeCodeBlock(readme, SECTION, 'js');
    assert.ok(example.includes("'127.0.0.1:9000'"), 'the example names the default endpoint');
    // Inside node_modules/ so the example's imports resolve to this checkout's SDK, as they would in the reader's project.
    dir = await mkdtemp(join(ROOT, 'node_modules', '.cache-readme-'));
    const setup = readmeCodeBlock(readme, SECTION, 'sh');
    const printf = setup.split('\n').find((l) => l.startsWith('printf '));
    assert.ok(printf, 'the README shows how to write index.js');
    await run('sh', ['-c', printf], { cwd: dir });
    // The README zips it with `zip` (or python3's zipfile); either gives this archive.
    await writeFile(join(dir, 'function.zip'), createZip([{ path: 'index.js', data: await readFile(join(dir, 'index.js')) }]));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const backend of ['simulated', 'process'] as const) {
    it(`runs as written with plain node against the ${backend} backend: 200 ping, and the function is gone afterwards`, async () => {
      const fc = await start({ backend, timeScale: 0.2 });
      try {
        const file = join(dir, `sdk-example-${backend}.mjs`);
        await writeFile(file, example.replace("'127.0.0.1:9000'", `'${fc.endpoint}'`));
        const { stdout } = await run(process.execPath, [file], { cwd: dir, timeout: 120_000 });
        assert.equal(stdout.trim(), '200 ping');
        assert.deepEqual(fc.localfc.functions.list({ limit: 10 }).functions, []);
      } finally {
        await fc.stop();
      }
    });
  }
});
