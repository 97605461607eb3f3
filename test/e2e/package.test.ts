/**
 * localfc as a dependency, the way a newcomer gets it: `npm pack`, then the tarball installed into a scratch ESM project
 * and a scratch strict NodeNext TypeScript project. In both, the README's start() example runs as written and
 * `npx localfc --help` answers. Installs are offline from npm's cache (filled by `npm ci`), so no registry is needed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { readmeCodeBlock } from '../helpers/readme.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
// npm writes progress and notices to stderr; a failing step shows both streams.
const sh = async (cmd: string, args: string[], cwd: string) => {
  try {
    return await run(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20, env: { ...process.env, NODE_ENV: 'development', npm_config_update_notifier: 'false' } });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
};
const npmInstall = (cwd: string, specs: string[]) => sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', ...specs], cwd);

/** The version of a package this checkout has installed: npm's cache holds exactly that one. */
async function installedVersion(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('installed from the packed tarball', () => {
  let work: string;
  let tarball: string;
  let example: string;
  let packedFiles: string[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'localfc-pack-'));
    // `npm pack` runs `prepare` (the build), so dist/ in the tarball is what this checkout's src/ compiles to.
    const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed, 'npm pack reported its tarball');
    const files = packed.files.map((f) => f.path);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/localfc.mjs', 'dist/localfc.cjs', 'dist/undici.cjs', 'dist/pino.cjs', 'dist/yauzl.cjs', 'dist/croner.cjs', 'bin/localfc.mjs']) assert.ok(files.includes(f), `${f} is packed`);
    // the code cache is made for one build's modification time, which npm pack does not keep: the install writes its own
    assert.ok(!files.some((f) => f.startsWith('test/') || f.endsWith('.tsbuildinfo') || f.endsWith('.cache')), 'no tests or build state in the package');
    packedFiles = files;
    tarball = join(work, packed.filename);
    example = readmeCodeBlock(await readFile(join(ROOT, 'README.md'), 'utf8'), 'Starting it from a test runner', 'js');
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships none of the code only tests and scripts use (zip and tar writers, image building)', async () => {
    const unpacked = join(work, 'unpacked');
    await sh('mkdir', ['-p', unpacked], work);
    await sh('tar', ['-xzf', tarball, '-C', unpacked], work);
    assert.ok(!packedFiles.some((f) => /^(scripts|bench)\//.test(f) || /(^|\/)tar\.(ts|js)$/.test(f)), packedFiles.join(', '));
    for (const f of packedFiles) {
      const text = await readFile(join(unpacked, 'package', f), 'utf8');
      for (const name of ['createZip', 'TarWriter', 'importImage', 'putArchive', 'tagImage', 'ImageEngine']) assert.ok(!text.includes(name), `${f} mentions ${name}`);
    }
  });

  it('an ESM project: the README example starts and stops a server, and npx localfc --help answers', async () => {
    const dir = join(work, 'esm');
    await sh('mkdir', ['-p', dir], work);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-esm', private: true, type: 'module' }));
    await npmInstall(dir, [tarball]);
    await writeFile(join(dir, 'example.js'), example);
    const { stdout } = await sh(process.execPath, ['example.js'], dir);
    assert.match(stdout, /^127\.0\.0\.1:\d+$/m, 'prints the SDK endpoint');
    assert.match(stdout, /^200 \{"status":"ok"/m, "the server answered its health check");

    const help = await sh('npx', ['--no-install', 'localfc', '--help'], dir);
    assert.match(help.stdout, /^Usage: localfc/);
  });

  it('a strict NodeNext TypeScript project (skipLibCheck): no type errors, and the compiled example runs', async () => {
    const dir = join(work, 'ts');
    await sh('mkdir', ['-p', dir], work);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-ts', private: true, type: 'module' }));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: 'out', types: ['node'] }, include: ['*.ts'] }),
    );
    await npmInstall(dir, [tarball, `typescript@${await installedVersion('typescript')}`, `@types/node@${await installedVersion('@types/node')}`]);
    // The same example, with a use of the exported types a TypeScript user would write.
    await writeFile(join(dir, 'example.ts'), `import type { RunningLocalfc } from 'localfc';\n${example}\nconst typed: RunningLocalfc = fc;\nvoid typed;\n`);
    await sh(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', '.'], dir);
    const { stdout } = await sh(process.execPath, ['out/example.js'], dir);
    assert.match(stdout, /^200 \{"status":"ok"/m);

    const help = await sh('npx', ['--no-install', 'localfc', '--help'], dir);
    assert.match(help.stdout, /^Usage: localfc/);
  });
});
