import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileStore } from '../../src/persistence/file-store.ts';
import { type Persistable, Persistence } from '../../src/persistence/persistence.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'localfc-store-'));
  dirs.push(d);
  return d;
};
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A part whose state is a counter and a blob, like a service holding a code zip. */
function counterPart(start = 0): Persistable & { value: number; zip: Buffer } {
  return {
    persistKey: 'counter',
    value: start,
    zip: Buffer.from('zip-0'),
    async exportState(blobs) {
      return { value: this.value, zip: await blobs.put(this.zip) };
    },
    async importState(state, blobs) {
      const s = state as { value: number; zip: string };
      this.value = s.value;
      this.zip = await blobs.get(s.zip);
    },
  };
}

describe('file store', () => {
  it('round-trips a snapshot and content-addressed blobs', async () => {
    const dir = await tempDir();
    const store = new FileStore<{ a: number }>(dir);
    await store.open();
    assert.equal(await store.load(), undefined);
    const key = await store.putBlob(Buffer.from('hello'));
    await store.save({ a: 1 });
    const again = new FileStore<{ a: number }>(dir);
    await again.open();
    assert.deepEqual(await again.load(), { a: 1 });
    assert.equal((await again.getBlob(key)).toString(), 'hello');
    await assert.rejects(again.getBlob('../state.json'));
  });

  it('drops temporary files a crash left behind and prunes blobs nothing refers to', async () => {
    const dir = await tempDir();
    const store = new FileStore<unknown>(dir);
    await store.open();
    const keep = await store.putBlob(Buffer.from('keep'));
    await store.putBlob(Buffer.from('drop'));
    await writeFile(join(dir, 'state.json.tmp-abc'), '{"format":1,"sta');
    await writeFile(join(dir, 'blobs', `${keep}.tmp-abc`), 'partial');
    await store.close();
    const reopened = new FileStore<unknown>(dir);
    await reopened.open();
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'localfc.lock']);
    await reopened.prune(new Set([keep]));
    assert.deepEqual(await readdir(join(dir, 'blobs')), [keep]);
  });
});

describe('data directory lock', () => {
  it('refuses a directory a live process holds and takes over one a dead process left', async () => {
    const dir = await tempDir();
    // A lock as older versions wrote it (a bare pid) naming a live Node.js process: the test runner that started this file.
    await writeFile(join(dir, 'localfc.lock'), String(process.ppid));
    await assert.rejects(new FileStore(dir).open(), new RegExp(`in use by another localfc \\(pid ${process.ppid}\\)`));
    await writeFile(join(dir, 'localfc.lock'), '999999999');
    const store = new FileStore(dir);
    await store.open();
    await store.close();
  });
});

describe('persistence', () => {
  it('concurrent flushes each resolve with their change on disk, in far fewer writes than calls', async () => {
    const dir = await tempDir();
    const part = counterPart();
    const p = new Persistence(dir, [part]);
    assert.equal(await p.restore(), false);
    const flushes: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      part.value = i;
      part.zip = Buffer.from(`zip-${i}`);
      const expected = i;
      flushes.push(p.flush().then(async () => {
        const saved = (await new FileStore<{ counter: { value: number } }>(dir).load())!;
        assert.ok(saved.counter.value >= expected, `flush for ${expected} resolved before it was saved (${saved.counter.value})`);
      }));
    }
    await Promise.all(flushes);
    await p.close();
    const restored = counterPart();
    assert.equal(await new Persistence(dir, [restored]).restore(), true);
    assert.equal(restored.value, 50);
    assert.equal(restored.zip.toString(), 'zip-50');
    // Old blobs are pruned: only the live one remains.
    assert.equal((await readdir(join(dir, 'blobs'))).length, 1);
  });
});
