/**
 * A damaged data directory is named, not trusted: a state file that is not a snapshot stops start-up with its path
 * and what is wrong; a truncated code blob (blobs are named by their sha256) is detected at restore instead of being
 * served; a lock naming a live process that is not a localfc (a reused pid) does not keep the directory locked forever,
 * while one held by a running localfc still does.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start } from '../../src/index.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const newDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'localfc-damage-'));
  dirs.push(d);
  return d;
};

/** start() must fail; a localfc that started anyway is stopped, so the failure does not leave the run hanging. */
async function refusesToStart(dataDir: string, check: (e: Error) => boolean): Promise<void> {
  await assert.rejects(start({ clock: 'manual', dataDir }).then(async (fc) => {
    await fc.stop();
    throw new Error('localfc started on a damaged data directory');
  }).catch((e: Error) => {
    if (e.message === 'localfc started on a damaged data directory') assert.fail(e.message);
    throw e;
  }), check);
}

/** A data directory holding one function, written by a localfc that then stopped cleanly. */
async function populated(): Promise<string> {
  const dataDir = await newDir();
  const fc = await start({ clock: 'manual', dataDir });
  const zipFile = createZip([{ path: 'index.js', data: `exports.handler = () => '${'x'.repeat(4000)}'` }]).toString('base64');
  const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } }) });
  assert.equal(res.status, 200);
  await fc.stop();
  return dataDir;
}

describe('damaged data directories', () => {
  it('a truncated state file stops start-up naming the file and what is wrong (CLI and start())', async () => {
    const dataDir = await populated();
    const state = join(dataDir, 'state.json');
    await writeFile(state, (await readFile(state, 'utf8')).slice(0, 200));
    await refusesToStart(dataDir, (e) => e.message.includes(state) && /is damaged: it is not JSON/.test(e.message));
    const cli = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(cli);
    let err = '';
    cli.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(cli, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(err, /state\.json is damaged: it is not JSON/);
  });

  it('a truncated code blob is detected at restore, named, and not served', async () => {
    const dataDir = await populated();
    const [blob] = await readdir(join(dataDir, 'blobs'));
    await truncate(join(dataDir, 'blobs', blob!), 100);
    await refusesToStart(dataDir, (e) => {
      assert.match(e.message, /could not restore 'functions'/);
      assert.ok(e.message.includes(join(dataDir, 'blobs', blob!)), e.message);
      assert.match(e.message, /is damaged: its 100 bytes hash to sha256 [0-9a-f]{64}, not to its name/);
      return true;
    });
  });

  it('a lock naming a live process that is not a localfc is taken over', async () => {
    const dataDir = await populated();
    const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(bystander);
    await once(bystander, 'spawn');
    for (const lock of [String(bystander.pid), JSON.stringify({ pid: bystander.pid, start: '1' })]) {
      await writeFile(join(dataDir, 'localfc.lock'), lock);
      const fc = await start({ clock: 'manual', dataDir });
      assert.equal((await fetch(`${fc.url}/2023-03-30/functions/f`)).status, 200, `lock ${lock}`);
      await fc.stop();
    }
    assert.equal(bystander.exitCode, null, 'the bystander is left alone');
  });

  it('a lock held by a running localfc still refuses the directory', async () => {
    const dataDir = await populated();
    const holder = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--log', 'silent', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      holder.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('listening on') && resolve()));
      holder.once('exit', (c) => reject(new Error(`holder exited with ${c}`)));
    });
    await refusesToStart(dataDir, (e) => e.message.includes(`in use by another localfc (pid ${holder.pid})`));
    holder.kill('SIGTERM');
    await once(holder, 'exit');
  });
});
