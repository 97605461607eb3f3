// Unit tests for CRC-64/ECMA-182 (the OSS/FC "crc64ecma" codeChecksum), checked against a bitwise reference and xz.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Crc64, crc64 } from '../../src/code/crc64.ts';

/** Bit-at-a-time reference implementation, slow but obviously right. */
function referenceCrc64(buf: Uint8Array): bigint {
  let crc = 0xffffffffffffffffn;
  for (const byte of buf) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

function hasXz(): boolean {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('crc64', () => {
  it('matches the CRC-64/XZ check value', () => {
    assert.equal(crc64(Buffer.from('123456789')), '11051210869376104954');
    assert.equal(BigInt(crc64('123456789')), 0x995dc9bbdf1939fan);
  });

  it('is 0 for empty input and returns an unsigned decimal string', () => {
    assert.equal(crc64(Buffer.alloc(0)), '0');
    for (let i = 0; i < 20; i++) assert.match(crc64(randomBytes(i * 13)), /^\d{1,20}$/);
  });

  it('agrees with a bitwise reference on random data of many lengths', () => {
    for (const len of [1, 2, 7, 8, 9, 255, 256, 1000, 4099]) {
      const buf = randomBytes(len);
      assert.equal(crc64(buf), referenceCrc64(buf).toString(), `length ${len}`);
    }
  });

  it('is the same when fed incrementally', () => {
    const buf = randomBytes(10_000);
    const inc = new Crc64();
    for (let off = 0; off < buf.length; off += 333) inc.update(buf.subarray(off, off + 333));
    assert.equal(inc.digest(), crc64(buf));
    assert.equal(inc.digestBigInt(), referenceCrc64(buf));
  });

  it('matches the CRC64 check that xz stores', { skip: !hasXz() && 'xz not installed' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'localfc-crc64-'));
    try {
      const data = randomBytes(5000);
      const file = join(dir, 'data.bin');
      await writeFile(file, data);
      execFileSync('xz', ['-k', '--check=crc64', file]);
      const out = execFileSync('xz', ['-lvv', '--robot', `${file}.xz`], { encoding: 'utf8' });
      const block = out.split('\n').find((l) => l.startsWith('block\t'));
      assert.ok(block, out);
      const check = block.split('\t').find((col) => /^[0-9a-f]{16}$/.test(col)); // the column after 'CRC64'
      assert.ok(check, block);
      assert.equal(crc64(data), BigInt(`0x${check}`).toString());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
