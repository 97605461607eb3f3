// Unit tests for the ZIP reader/writer: round trips, interop with python's zipfile / Info-ZIP, and hostile archives.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DiskBudget } from '../../src/code/disk-budget.ts';
import { ZipError, crc32, extractZip, readZip, type ZipErrorReason } from '../../src/code/zip.ts';
import { createZip } from '../helpers/zip.ts';

const has = (cmd: string, arg = '-v'): boolean => {
  try {
    execFileSync(cmd, [arg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasUnzip = has('unzip');
const hasZip = has('zip');

interface RawEntry {
  name: string | Buffer;
  data?: Buffer | string;
  method?: number;
  /** Compressed bytes to store instead of compressing `data`. */
  comp?: Buffer;
  crc?: number;
  size?: number;
  flags?: number;
  mode?: number;
  localName?: string;
  /** Write only a central record, pointing at this offset (to make overlapping entries). */
  centralOnlyAt?: number;
}

/** A deliberately unchecked ZIP builder, so the tests can lie in every field. */
function rawZip(entries: RawEntry[], opts: { comment?: string; count?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name) : e.name;
    const data = Buffer.from(e.data ?? '');
    const method = e.method ?? 8;
    const comp = e.comp ?? (method === 8 ? deflateRawSync(data) : data);
    const fields = (h: Buffer, at: number): void => {
      h.writeUInt16LE(20, at);
      h.writeUInt16LE(e.flags ?? 0, at + 2);
      h.writeUInt16LE(method, at + 4);
      h.writeUInt32LE(e.crc ?? crc32(data), at + 10);
      h.writeUInt32LE(comp.length, at + 14);
      h.writeUInt32LE(e.size ?? data.length, at + 18);
    };
    const here = e.centralOnlyAt ?? offset;
    if (e.centralOnlyAt === undefined) {
      const lname = e.localName === undefined ? name : Buffer.from(e.localName);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      fields(local, 4);
      local.writeUInt16LE(lname.length, 26);
      locals.push(local, lname, comp);
      offset += 30 + lname.length + comp.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    fields(central, 6);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(here, 42);
    centrals.push(central, name);
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(opts.comment ?? '');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.count ?? entries.length, 8);
  eocd.writeUInt16LE(opts.count ?? entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...locals, cd, eocd, comment]);
}

function rejects(buf: Buffer, reason: ZipErrorReason, pattern: RegExp, limits?: Parameters<typeof readZip>[1]): Promise<void> {
  return assert.rejects(
    readZip(buf, limits),
    (err: unknown) => {
      assert.ok(err instanceof ZipError, `expected ZipError, got ${String(err)}`);
      assert.equal(err.reason, reason, err.message);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localfc-zip-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + (i >> 8)) % 256));
const sampleFiles = [
  { path: 'bin/', data: '' },
  { path: 'bin/run.sh', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { path: 'index.js', data: 'exports.handler = async () => "ok";\n'.repeat(50) },
  { path: 'data/blob.bin', data: binary },
  { path: 'empty.txt', data: '' },
  { path: 'data/ünï.txt', data: 'ünïcödé' },
  { path: 'latest', data: 'data/blob.bin', mode: 0o120777 },
];

describe('createZip + readZip', () => {
  it('round-trips files, directories, modes, symlinks and binary data', async () => {
    const entries = await readZip(createZip(sampleFiles));
    assert.deepEqual(
      entries.map((e) => [e.path, e.isDirectory, e.isSymlink, e.mode?.toString(8)]),
      [
        ['bin', true, false, '40755'],
        ['bin/run.sh', false, false, '100755'],
        ['index.js', false, false, '100644'],
        ['data/blob.bin', false, false, '100644'],
        ['empty.txt', false, false, '100644'],
        ['data/ünï.txt', false, false, '100644'],
        ['latest', false, true, '120777'],
      ],
    );
    assert.deepEqual(entries[3]!.data, binary);
    assert.equal(entries[5]!.data.toString(), 'ünïcödé');
    assert.equal(entries[6]!.data.toString(), 'data/blob.bin');
    assert.equal(entries[4]!.data.length, 0);
  });

  it('is deterministic and actually compresses', () => {
    const a = createZip(sampleFiles);
    assert.deepEqual(a, createZip(sampleFiles));
    assert.ok(a.length < 70_000, `zip is ${a.length} bytes`);
  });

  it('is readable by python zipfile (list, test, contents and modes)', async () => {
    const file = join(dir, 'ours.zip');
    await writeFile(file, createZip(sampleFiles));
    assert.match(execFileSync('python3', ['-m', 'zipfile', '-l', file], { encoding: 'utf8' }), /bin\/run\.sh/);
    execFileSync('python3', ['-m', 'zipfile', '-t', file]);
    const script = `
import json, sys, zipfile, hashlib
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({i.filename: [oct(i.external_attr >> 16), hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()}))`;
    const info = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, [string, string]>;
    assert.equal(info['bin/run.sh']![0], '0o100755');
    assert.equal(info['latest']![0], '0o120777');
    assert.equal(info['data/blob.bin']![1], (await import('node:crypto')).createHash('sha256').update(binary).digest('hex'));
  });

  it('is readable by unzip -l / -t', { skip: !hasUnzip && 'unzip not installed' }, async () => {
    const file = join(dir, 'ours-unzip.zip');
    await writeFile(file, createZip(sampleFiles));
    const list = execFileSync('unzip', ['-l', file], { encoding: 'utf8' });
    assert.match(list, /data\/blob\.bin/);
    assert.match(list, /7 files/);
    assert.match(execFileSync('unzip', ['-t', file], { encoding: 'utf8' }), /No errors detected/);
  });
});

describe('readZip on archives made by other tools', () => {
  it('reads a python-made zip: deflate, stored, executable bit, directory, archive comment', async () => {
    const file = join(dir, 'py.zip');
    const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.comment = b'made by python PK\\x05\\x06 fake signature in comment'
    z.writestr(zipfile.ZipInfo('lib/'), b'')
    i = zipfile.ZipInfo('bootstrap'); i.external_attr = 0o100755 << 16; i.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(i, b'#!/bin/bash\\nexec node index.js\\n')
    z.writestr('index.js', b'module.exports.handler = (e, c, cb) => cb(null, "hi");\\n' * 100)
    z.writestr('lib/raw.txt', b'stored bytes', compress_type=zipfile.ZIP_STORED)`;
    execFileSync('python3', ['-c', script, file]);
    const entries = await readZip(await readFile(file));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.deepEqual([...byPath.keys()], ['lib', 'bootstrap', 'index.js', 'lib/raw.txt']);
    assert.equal(byPath.get('lib')!.isDirectory, true);
    assert.equal(byPath.get('bootstrap')!.mode! & 0o777, 0o755);
    assert.equal(byPath.get('bootstrap')!.data.toString(), '#!/bin/bash\nexec node index.js\n');
    assert.equal(byPath.get('index.js')!.data.length, 5500);
    assert.equal(byPath.get('lib/raw.txt')!.data.toString(), 'stored bytes');
  });

  it('reads a python-made zip streamed to a pipe (data descriptors, sizes only in the central directory)', async () => {
    const script = `
import sys, zipfile
with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED) as z:
    for n in range(3):
        with z.open(f'part{n}.txt', 'w') as f: f.write(b'chunk %d ' % n * 1000)`;
    const buf = execFileSync('python3', ['-c', script]);
    assert.ok(buf.readUInt16LE(6) & 0x08, 'expected the data-descriptor flag');
    const entries = await readZip(buf);
    assert.deepEqual(entries.map((e) => [e.path, e.data.length]), [['part0.txt', 8000], ['part1.txt', 8000], ['part2.txt', 8000]]);
  });

  it('reads a python-made ZIP64 archive', async () => {
    const script = `
import sys, zipfile
with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('big.txt', 'w', force_zip64=True) as f: f.write(b'zip64 ' * 1000)`;
    const entries = await readZip(execFileSync('python3', ['-c', script]));
    assert.deepEqual(entries.map((e) => [e.path, e.data.toString().slice(0, 6), e.data.length]), [['big.txt', 'zip64 ', 6000]]);
  });

  it('reads an Info-ZIP zip with symlinks and extra fields', { skip: !hasZip && 'zip not installed' }, async () => {
    const src = join(dir, 'infozip-src');
    execFileSync('sh', ['-c', `mkdir -p "${src}/sub" && printf 'hello' > "${src}/sub/a.txt" && printf '#!/bin/sh\n' > "${src}/run" && chmod 755 "${src}/run" && ln -s sub/a.txt "${src}/link"`]);
    execFileSync('zip', ['-q', '-r', '-y', '../infozip.zip', '.'], { cwd: src });
    const entries = await readZip(await readFile(join(dir, 'infozip.zip')));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.equal(byPath.get('sub/a.txt')!.data.toString(), 'hello');
    assert.equal(byPath.get('run')!.mode! & 0o111, 0o111);
    assert.equal(byPath.get('link')!.isSymlink, true);
    assert.equal(byPath.get('link')!.data.toString(), 'sub/a.txt');
    assert.equal(byPath.get('sub')!.isDirectory, true);
  });
});

describe('extractZip', () => {
  it('writes files, directories, executable bits and in-root symlinks', async () => {
    const dest = join(dir, 'out');
    const entries = await extractZip(createZip(sampleFiles), dest);
    assert.equal(entries.length, sampleFiles.length);
    assert.equal(await readFile(join(dest, 'bin/run.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal((await stat(join(dest, 'bin/run.sh'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(dest, 'index.js'))).mode & 0o111, 0);
    assert.deepEqual(await readFile(join(dest, 'data/blob.bin')), binary);
    assert.equal(await readlink(join(dest, 'latest')), 'data/blob.bin');
    assert.deepEqual(await readFile(join(dest, 'latest')), binary);
    assert.ok((await stat(join(dest, 'bin'))).isDirectory());
  });

  it('counts the bytes it writes against a disk budget and removes what it wrote when the budget runs out', async () => {
    const budget = new DiskBudget(100_000);
    const lease = budget.lease();
    const dest = join(dir, 'budget');
    await assert.rejects(extractZip(createZip([{ path: 'a', data: Buffer.alloc(60_000) }, { path: 'b', data: Buffer.alloc(60_000) }]), dest, { disk: lease }), (e: unknown) => e instanceof ZipError && e.reason === 'TooLarge' && /disk/.test(e.message));
    await assert.rejects(readdir(dest), { code: 'ENOENT' });
    lease.release();
    assert.equal(budget.usedBytes, 0);
    await extractZip(createZip([{ path: 'a', data: Buffer.alloc(60_000) }]), dest, { disk: budget.lease() });
    assert.equal(budget.usedBytes, 60_000);
  });

  it('writes nothing when the archive is hostile', async () => {
    const dest = join(dir, 'hostile');
    const bad = rawZip([{ name: 'ok.txt', data: 'fine' }, { name: '../escaped.txt', data: 'pwned' }]);
    await assert.rejects(extractZip(bad, dest), (e: unknown) => e instanceof ZipError && e.reason === 'PathTraversal');
    await assert.rejects(readdir(dest), { code: 'ENOENT' });
    await assert.rejects(stat(join(dir, 'escaped.txt')), { code: 'ENOENT' });
  });
});

describe('readZip rejects hostile and broken archives', () => {
  it('accepts the hand-made baseline', async () => {
    assert.equal((await readZip(rawZip([{ name: 'a.txt', data: 'hello' }], { comment: 'hi' })))[0]!.data.toString(), 'hello');
  });

  it('rejects absolute paths, drive letters and .. segments', async () => {
    await rejects(rawZip([{ name: '/etc/passwd', data: 'x' }]), 'PathTraversal', /absolute/);
    await rejects(rawZip([{ name: 'C:/Windows/x', data: 'x' }]), 'PathTraversal', /absolute/);
    await rejects(rawZip([{ name: '../evil', data: 'x' }]), 'PathTraversal', /'\.\.'/);
    await rejects(rawZip([{ name: 'a/b/../../../evil', data: 'x' }]), 'PathTraversal', /'\.\.'/);
  });

  it('rejects backslash tricks and NUL bytes', async () => {
    await rejects(rawZip([{ name: '..\\..\\evil', data: 'x' }]), 'PathTraversal', /backslash/);
    await rejects(rawZip([{ name: Buffer.from('ok.txt\0../../evil'), data: 'x' }]), 'PathTraversal', /NUL/);
  });

  it('rejects symlinks that leave the root, and entries placed under a symlink', async () => {
    const link = (name: string, target: string): RawEntry => ({ name, data: target, method: 0, mode: 0o120777 });
    await rejects(rawZip([link('l', '/etc/passwd')]), 'PathTraversal', /absolute/);
    await rejects(rawZip([link('l', '../outside')]), 'PathTraversal', /outside the root/);
    await rejects(rawZip([link('a/b/l', '../../../x')]), 'PathTraversal', /outside the root/);
    assert.equal((await readZip(rawZip([link('a/b/l', '../../x')])))[0]!.isSymlink, true);
    await rejects(rawZip([link('d', 'sub'), { name: 'd/x', data: 'through the link' }]), 'PathTraversal', /under symlink/);
  });

  it('walks chains of links: each looks safe as text, together they leave the root', async () => {
    const link = (name: string, target: string): RawEntry => ({ name, data: target, method: 0, mode: 0o120777 });
    // d/l is the root itself; "l2 -> d/l/.." is "d" as text, but the parent of the root when walked.
    await rejects(rawZip([{ name: 'd/', data: '' }, link('d/l', '..'), link('l2', 'd/l/..')]), 'PathTraversal', /l2.*outside the root/);
    await rejects(rawZip([{ name: 'a/b/', data: '' }, link('a/b/up', '../..'), link('x', 'a/b/up/../hostname')]), 'PathTraversal', /outside the root/);
    await rejects(rawZip([link('a', 'b'), link('b', 'a')]), 'PathTraversal', /loop/);
    assert.equal((await readZip(rawZip([{ name: 'd/', data: '' }, link('d/l', '..'), link('l2', 'd/l/d')]))).length, 3);
  });

  it('enforces the entry-count limit', async () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ path: `f${i}`, data: 'x' }));
    assert.equal((await readZip(createZip(files), { maxEntries: 5 })).length, 5);
    await rejects(createZip(files), 'TooLarge', /5 entries/, { maxEntries: 4 });
  });

  it('enforces the declared-size limit before inflating', async () => {
    const zip = createZip([{ path: 'a', data: Buffer.alloc(600) }, { path: 'b', data: Buffer.alloc(600) }]);
    assert.equal((await readZip(zip, { maxUncompressedBytes: 1200 })).length, 2);
    await rejects(zip, 'TooLarge', /declares more than 1000/, { maxUncompressedBytes: 1000 });
  });

  it('stops inflating a bomb that lies about its size', async () => {
    const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024)); // ~50 KB that inflates to 50 MB
    // CPU time of this process (zlib's thread pool included), not wall time: other work on the machine cannot stretch
    // it. Inflating the whole bomb costs tens of ms; stopping near the declared 100 bytes costs next to nothing.
    const cpuMs = async (fn: () => unknown): Promise<number> => {
      const t0 = process.cpuUsage();
      await fn();
      const { user, system } = process.cpuUsage(t0);
      return (user + system) / 1000;
    };
    const whole = await cpuMs(() => inflateRawSync(bomb));
    const cut = await cpuMs(() => rejects(rawZip([{ name: 'bomb', comp: bomb, size: 100, crc: 0 }]), 'TooLarge', /inflates past its declared size/));
    assert.ok(cut < whole / 4, `inflation was not cut short: ${cut} ms of CPU, the whole bomb takes ${whole} ms`);
  });

  it('rejects overlapping entries (non-recursive zip bombs)', async () => {
    await rejects(rawZip([{ name: 'a', data: 'x'.repeat(100) }, { name: 'a', data: 'x'.repeat(100), centralOnlyAt: 0 }]), 'InvalidZip', /overlap/);
  });

  it('rejects duplicate names, files used as directories and name mismatches', async () => {
    await rejects(rawZip([{ name: 'a', data: '1' }, { name: 'a', data: '2' }]), 'InvalidZip', /duplicate/);
    await rejects(rawZip([{ name: 'a', data: '1' }, { name: 'a/b', data: '2' }]), 'InvalidZip', /under file/);
    await rejects(rawZip([{ name: 'safe.txt', localName: '../../x', data: '1' }]), 'InvalidZip', /names .* differ/);
  });

  it('rejects CRC mismatches, size lies and corrupt deflate data', async () => {
    await rejects(rawZip([{ name: 'a', data: 'hello', crc: 1234 }]), 'InvalidZip', /CRC-32/);
    await rejects(rawZip([{ name: 'a', data: 'hello', size: 9 }]), 'InvalidZip', /declares 9/);
    await rejects(rawZip([{ name: 'a', data: 'hello', method: 0, size: 4 }]), 'InvalidZip', /mismatched sizes/);
    await rejects(rawZip([{ name: 'a', comp: Buffer.from([0xff, 0xff, 0xff, 0xff]), size: 5 }]), 'InvalidZip', /corrupt deflate/);
  });

  it('rejects truncated and non-zip input', async () => {
    const good = createZip(sampleFiles);
    await rejects(Buffer.alloc(0), 'InvalidZip', /too short/);
    await rejects(Buffer.from('this is not a zip file at all, just text'), 'InvalidZip', /not found/);
    await rejects(good.subarray(0, good.length - 10), 'InvalidZip', /not found/);
    await rejects(good.subarray(100), 'InvalidZip', /outside|corrupt|missing|overruns/);
    const count = rawZip([{ name: 'a', data: 'x' }], { count: 3 });
    await rejects(count, 'InvalidZip', /corrupt/);
  });

  it('rejects a ZIP64 marker without its ZIP64 records; encryption and unknown compression methods as Unsupported', async () => {
    await rejects(rawZip([{ name: 'a', data: 'x' }], { count: 0xffff }), 'InvalidZip', /corrupt|EOF|zip64/i);
    await rejects(rawZip([{ name: 'a', data: 'x', flags: 1 }]), 'Unsupported', /encrypted/);
    await rejects(rawZip([{ name: 'a', data: 'x', method: 12, comp: Buffer.from('BZh9') }]), 'Unsupported', /method 12/);
  });
});
