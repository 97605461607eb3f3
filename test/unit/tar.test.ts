// Unit tests for the tar writer/reader, checked against the system tar (tar -tvf / tar -xf).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TarWriter, normalizeTarPath, parseTar } from '../helpers/tar.ts';

const longDir = `deep/${'d'.repeat(90)}/${'e'.repeat(60)}`; // > 100 bytes: needs the ustar prefix field
const longName = `${longDir}/file.txt`;
const hugeName = `${'x'.repeat(120)}/${'y'.repeat(120)}/${'z'.repeat(120)}.js`; // > 255 bytes: needs a PAX header
const longTarget = `/opt/${'t'.repeat(150)}`;
const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7) % 256));

function sample(): TarWriter {
  const t = new TarWriter(new Date('2024-05-06T07:08:09Z'));
  t.addDirectory('bin').addDirectory('tmp', { mode: 0o1777 });
  t.addFile('bin/run.sh', '#!/bin/sh\necho hi\n', { mode: 0o755 });
  t.addSymlink('bin/sh', 'busybox');
  t.addFile('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'); // leading slash is stripped
  t.addFile('data.bin', binary, { uid: 1000, gid: 1000 });
  t.addFile('empty', '');
  t.addFile('exact512', Buffer.alloc(512, 0x41));
  t.addParents(longName).addFile(longName, 'long\n');
  t.addParents(hugeName).addFile(hugeName, 'huge\n');
  t.addSymlink('link-long', longTarget);
  return t;
}

/** `tar -tvf` lines → { path: "mode owner size" } (dates vary by locale/timezone, so they are left out). */
function listing(file: string): Map<string, { mode: string; owner: string; size: number; target?: string }> {
  const out = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  const m = new Map<string, { mode: string; owner: string; size: number; target?: string }>();
  for (const line of out.trim().split('\n')) {
    const parts = /^(\S+)\s+(\S+)\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
    assert.ok(parts, `unexpected tar -tvf line: ${line}`);
    const [, mode = '', owner = '', size = '0', rest = ''] = parts;
    const [path = '', target] = rest.split(' -> ');
    m.set(path.replace(/\/$/, ''), { mode, owner, size: Number(size), ...(target !== undefined ? { target } : {}) });
  }
  return m;
}

describe('TarWriter', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'localfc-tar-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes blocks of 512 bytes ending in two zero blocks', () => {
    const buf = sample().toBuffer();
    assert.equal(buf.length % 512, 0);
    assert.ok(buf.subarray(-1024).every((b) => b === 0));
  });

  it('is listed by the system tar with the right types, modes, owners and link targets', async () => {
    const file = join(dir, 'sample.tar');
    await writeFile(file, sample().toBuffer());
    const l = listing(file);
    assert.deepEqual(l.get('bin'), { mode: 'drwxr-xr-x', owner: '0/0', size: 0 });
    assert.deepEqual(l.get('tmp'), { mode: 'drwxrwxrwt', owner: '0/0', size: 0 });
    assert.deepEqual(l.get('bin/run.sh'), { mode: '-rwxr-xr-x', owner: '0/0', size: 18 });
    assert.deepEqual(l.get('bin/sh'), { mode: 'lrwxrwxrwx', owner: '0/0', size: 0, target: 'busybox' });
    assert.deepEqual(l.get('etc/passwd')?.mode, '-rw-r--r--');
    assert.deepEqual(l.get('data.bin'), { mode: '-rw-r--r--', owner: '1000/1000', size: 1500 });
    assert.equal(l.get('empty')?.size, 0);
    assert.equal(l.get('exact512')?.size, 512);
    assert.equal(l.get(longName)?.size, 5);
    assert.equal(l.get(hugeName)?.size, 5);
    assert.equal(l.get('link-long')?.target, longTarget);
  });

  it('round-trips content through tar -xf and through parseTar', async () => {
    const buf = sample().toBuffer();
    const file = join(dir, 'rt.tar');
    const out = join(dir, 'rt');
    await writeFile(file, buf);
    await mkdir(out);
    execFileSync('tar', ['-xf', file, '-C', out]);
    assert.deepEqual(await readFile(join(out, 'data.bin')), binary);
    assert.equal(await readFile(join(out, longName), 'utf8'), 'long\n');
    assert.equal(await readFile(join(out, hugeName), 'utf8'), 'huge\n');
    assert.equal(await readlink(join(out, 'bin/sh')), 'busybox');
    assert.equal((await stat(join(out, 'bin/run.sh'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(out, 'bin/run.sh'))).mtime.toISOString(), '2024-05-06T07:08:09.000Z');

    const entries = new Map(parseTar(buf).map((e) => [e.path, e]));
    assert.deepEqual(entries.get('data.bin')?.data, binary);
    assert.equal(entries.get(hugeName)?.data?.toString(), 'huge\n');
    assert.equal(entries.get(longName)?.type, 'file');
    assert.equal(entries.get('link-long')?.linkTarget, longTarget);
    assert.equal(entries.get('tmp')?.mode, 0o1777);
    assert.equal(entries.get('data.bin')?.uid, 1000);
  });

  it('reads archives made by the system tar', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'sub/a.txt'), 'alpha');
    await symlink('sub/a.txt', join(src, 'ln'));
    const buf = execFileSync('tar', ['--format=ustar', '-cf', '-', '-C', src, 'sub', 'ln']);
    const entries = parseTar(buf);
    assert.deepEqual(entries.map((e) => [e.type, e.path]).sort(), [['dir', 'sub'], ['file', 'sub/a.txt'], ['symlink', 'ln']]);
    assert.equal(entries.find((e) => e.path === 'sub/a.txt')?.data?.toString(), 'alpha');
  });

  it('copies a host directory tree with addFromDisk (modes kept, owner root, symlinks as links)', async () => {
    const src = join(dir, 'code');
    await mkdir(join(src, 'lib'), { recursive: true });
    await writeFile(join(src, 'index.js'), 'exports.handler = () => 1;\n');
    await writeFile(join(src, 'lib/tool'), '#!/bin/sh\n', { mode: 0o750 });
    await symlink('index.js', join(src, 'main.js'));
    const t = new TarWriter();
    await t.addFromDisk(src, 'code');
    const file = join(dir, 'code.tar');
    await writeFile(file, t.toBuffer());
    const l = listing(file);
    assert.deepEqual([...l.keys()], ['code', 'code/index.js', 'code/lib', 'code/lib/tool', 'code/main.js']);
    assert.equal(l.get('code/lib/tool')?.mode, '-rwxr-x---');
    assert.equal(l.get('code/lib/tool')?.owner, '0/0');
    assert.equal(l.get('code/main.js')?.target, 'index.js');
  });

  it('refuses duplicates and paths that escape the root', () => {
    const t = new TarWriter().addFile('a', 'x');
    assert.throws(() => t.addFile('./a', 'y'), /duplicate entry a/);
    assert.throws(() => normalizeTarPath('../etc/passwd'), /escapes/);
    assert.throws(() => normalizeTarPath('/'), /empty path/);
    assert.equal(normalizeTarPath('/usr//lib/./x.so'), 'usr/lib/x.so');
  });
});
