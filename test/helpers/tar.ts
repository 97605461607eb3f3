/** A tiny ustar tar writer (files, directories, symlinks; PAX headers for long names) and reader, for the test images (scripts/make-test-images.ts) and the engine tests; no production code writes a tar. */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

export type TarEntryType = 'file' | 'dir' | 'symlink';

export interface TarEntryOptions {
  /** Permission bits; defaults 0o644 for files, 0o755 for directories, 0o777 for symlinks. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Modification time; defaults to the writer's fixed mtime so archives are reproducible. */
  mtime?: Date;
}

export interface TarEntry {
  type: TarEntryType;
  /** Path inside the archive, without leading "/" (directories without trailing "/"). */
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  size: number;
  linkTarget?: string;
  data?: Buffer;
}

const BLOCK = 512;
const TYPE_FLAG: Record<TarEntryType, string> = { file: '0', dir: '5', symlink: '2' };

/** Strips leading "/" and "./" and collapses "a//b": archive paths are relative to the extraction root. */
export function normalizeTarPath(p: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/')).replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
  if (n === '' || n === '.') throw new Error(`tar: empty path from ${JSON.stringify(p)}`);
  if (n === '..' || n.startsWith('../')) throw new Error(`tar: path escapes the archive root: ${p}`);
  return n;
}

function writeString(h: Buffer, offset: number, length: number, value: string): void {
  h.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

/** Octal numeric field: zero-padded digits followed by NUL, as GNU and BSD tar expect. */
function writeOctal(h: Buffer, offset: number, length: number, value: number): void {
  const digits = Math.floor(value).toString(8);
  if (digits.length > length - 1) throw new Error(`tar: value ${value} does not fit a ${length}-byte field`);
  h.write(digits.padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

/** Splits a path into ustar prefix (≤155 bytes) + name (≤100 bytes), or undefined when it cannot fit. */
function splitUstarPath(p: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(p) <= 100) return { prefix: '', name: p };
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

function header(o: {
  name: string; prefix: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  flag: string; linkname: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, o.name);
  writeOctal(h, 100, 8, o.mode & 0o7777);
  writeOctal(h, 108, 8, o.uid);
  writeOctal(h, 116, 8, o.gid);
  writeOctal(h, 124, 12, o.size);
  writeOctal(h, 136, 12, o.mtime);
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  writeString(h, 156, 1, o.flag);
  writeString(h, 157, 100, o.linkname);
  h.write('ustar\u000000', 257, 8, 'ascii');
  writeString(h, 265, 32, o.uid === 0 ? 'root' : '');
  writeString(h, 297, 32, o.gid === 0 ? 'root' : '');
  writeString(h, 345, 155, o.prefix);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** One PAX record: "<len> key=value\n" where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function padding(size: number): Buffer {
  const rem = size % BLOCK;
  return rem === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rem);
}

/** Builds an archive in memory; entries keep insertion order, so add parent directories first. */
export class TarWriter {
  private readonly chunks: Buffer[] = [];
  private readonly seen = new Set<string>();
  private bytes = 0;
  constructor(private readonly defaultMtime: Date = new Date(0)) {}

  get size(): number {
    return this.bytes;
  }

  has(path: string): boolean {
    return this.seen.has(normalizeTarPath(path));
  }

  addFile(path: string, data: Buffer | string, opts: TarEntryOptions = {}): this {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    return this.add('file', path, buf, '', opts.mode ?? 0o644, opts);
  }

  addDirectory(path: string, opts: TarEntryOptions = {}): this {
    return this.add('dir', path, Buffer.alloc(0), '', opts.mode ?? 0o755, opts);
  }

  addSymlink(path: string, target: string, opts: TarEntryOptions = {}): this {
    return this.add('symlink', path, Buffer.alloc(0), target, opts.mode ?? 0o777, opts);
  }

  /** Adds the missing parent directories of `path` (e.g. "usr", "usr/lib" for "usr/lib/x.so"). */
  addParents(path: string, opts: TarEntryOptions = {}): this {
    const parts = normalizeTarPath(path).split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!this.seen.has(dir)) this.addDirectory(dir, opts);
    }
    return this;
  }

  /**
   * Copies a host file, symlink or directory tree (recursively, symlinks kept as links) to `archivePath`,
   * preserving permission bits; ownership becomes root unless given.
   */
  async addFromDisk(hostPath: string, archivePath: string, opts: TarEntryOptions = {}): Promise<this> {
    const st = await lstat(hostPath);
    const o = { uid: opts.uid ?? 0, gid: opts.gid ?? 0, mtime: opts.mtime ?? st.mtime };
    if (st.isSymbolicLink()) return this.addSymlink(archivePath, await readlink(hostPath), o);
    if (st.isFile()) return this.addFile(archivePath, await readFile(hostPath), { ...o, mode: st.mode & 0o7777 });
    if (!st.isDirectory()) throw new Error(`tar: unsupported file type at ${hostPath}`);
    if (!this.has(archivePath)) this.addDirectory(archivePath, { ...o, mode: st.mode & 0o7777 });
    const names = (await readdir(hostPath)).sort(); // sorted: reproducible archives
    for (const name of names) await this.addFromDisk(join(hostPath, name), `${normalizeTarPath(archivePath)}/${name}`, opts);
    return this;
  }

  /** The finished archive: entries plus the two zero blocks that mark the end. */
  toBuffer(): Buffer {
    return Buffer.concat([...this.chunks, Buffer.alloc(BLOCK * 2)]);
  }

  private add(type: TarEntryType, rawPath: string, data: Buffer, linkname: string, mode: number, opts: TarEntryOptions): this {
    const path = normalizeTarPath(rawPath);
    if (this.seen.has(path)) throw new Error(`tar: duplicate entry ${path}`);
    this.seen.add(path);
    const mtime = Math.floor((opts.mtime ?? this.defaultMtime).getTime() / 1000);
    const uid = opts.uid ?? 0;
    const gid = opts.gid ?? 0;
    const entryName = type === 'dir' ? `${path}/` : path;
    const split = splitUstarPath(entryName);
    // Names or link targets that ustar cannot hold go into a PAX extended header before the entry.
    const pax: string[] = [];
    if (!split) pax.push(paxRecord('path', entryName));
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(''));
      const paxName = `PaxHeaders/${posix.basename(path)}`.slice(0, 100);
      this.push(header({ name: paxName, prefix: '', mode: 0o644, uid, gid, size: body.length, mtime, flag: 'x', linkname: '' }));
      this.push(body, padding(body.length));
    }
    // With a PAX path the ustar fields only matter to very old readers: keep a truncated tail there.
    const ustar = split ?? { prefix: '', name: entryName.slice(-100) };
    this.push(header({
      name: ustar.name, prefix: ustar.prefix, mode, uid, gid, size: data.length, mtime,
      flag: TYPE_FLAG[type], linkname: linkname.slice(0, 100),
    }));
    if (data.length > 0) this.push(data, padding(data.length));
    return this;
  }

  private push(...bufs: Buffer[]): void {
    for (const b of bufs) {
      this.chunks.push(b);
      this.bytes += b.length;
    }
  }
}

function readString(h: Buffer, offset: number, length: number): string {
  const end = h.indexOf(0, offset);
  return h.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

function readOctal(h: Buffer, offset: number, length: number): number {
  const s = readString(h, offset, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** Reads an archive (ours, or the engine's GET /containers/{id}/archive output); other entry types are skipped. */
export function parseTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let pax: Record<string, string> = {};
  for (let off = 0; off + BLOCK <= buf.length; ) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = readOctal(h, 124, 12);
    const flag = String.fromCharCode(h[156] ?? 0x30);
    const data = buf.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      pax = {};
      const text = data.toString('utf8');
      for (let i = 0; i < text.length; ) {
        const sp = text.indexOf(' ', i);
        const len = parseInt(text.slice(i, sp), 10);
        const rec = text.slice(sp + 1, i + len - 1);
        const eq = rec.indexOf('=');
        pax[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
      }
      continue;
    }
    const type: TarEntryType | undefined = flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '0' || flag === '\0' ? 'file' : undefined;
    const prefix = readString(h, 345, 155);
    const name = pax.path ?? (prefix ? `${prefix}/${readString(h, 0, 100)}` : readString(h, 0, 100));
    const linkTarget = pax.linkpath ?? readString(h, 157, 100);
    pax = {};
    if (!type) continue;
    out.push({
      type, path: name.replace(/^(\.\/)+/, '').replace(/\/+$/, ''), mode: readOctal(h, 100, 8), uid: readOctal(h, 108, 8),
      gid: readOctal(h, 116, 8), mtime: new Date(readOctal(h, 136, 12) * 1000), size,
      ...(type === 'symlink' ? { linkTarget } : {}), ...(type === 'file' ? { data: Buffer.from(data) } : {}),
    });
  }
  return out;
}
