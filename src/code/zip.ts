/**
 * @module
 * Function code packages: a defensive, streaming ZIP reader on yauzl (entries inflate through zlib's thread pool,
 * straight to disk, counted as they stream) and a small writer (store + deflate) for tests and fixtures.
 */
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 as zlibCrc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { type DiskLease, DiskBudgetExceeded } from './disk-budget.ts';
import { linkEscape, type LookupResult } from './link-resolution.ts';

export interface ZipEntry {
  /** Normalized relative path with '/' separators, no trailing slash. */
  path: string;
  isDirectory: boolean;
  /** Unix st_mode (type + permission bits) when the archive was made on Unix. */
  mode?: number;
  isSymlink: boolean;
  /** File contents; the link target for symlinks; empty for directories. */
  data: Buffer;
}

/** An entry as extractZip reports it: no data, which went to disk. */
export type ExtractedEntry = Omit<ZipEntry, 'data'> & { size: number };

export interface ZipLimits {
  maxEntries?: number;
  maxUncompressedBytes?: number;
}

export type ZipErrorReason = 'InvalidZip' | 'Unsupported' | 'PathTraversal' | 'TooLarge';

export class ZipError extends Error {
  override readonly name = 'ZipError';
  constructor(
    readonly reason: ZipErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_ZIP_LIMITS: Required<ZipLimits> = { maxEntries: 100_000, maxUncompressedBytes: 1024 * 1024 * 1024 };

const SIG_EOCD = 0x06054b50;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** A link target longer than PATH_MAX is not a path; refusing it keeps link data small enough to hold in memory. */
const MAX_LINK_TARGET = 4096;

export function crc32(buf: Uint8Array): number {
  return zlibCrc32(buf);
}

const bad = (message: string): ZipError => new ZipError('InvalidZip', message);

/** Validates an archive path and returns it normalized ('./' and '//' dropped); '' means the root itself. */
export function normalizeZipPath(raw: string): string {
  const shown = JSON.stringify(raw);
  if (raw.includes('\0')) throw new ZipError('PathTraversal', `entry name ${shown} contains a NUL byte`);
  // Backslashes are separators to Windows tools, so "..\\x" would escape there: refuse them outright.
  if (raw.includes('\\')) throw new ZipError('PathTraversal', `entry name ${shown} contains a backslash`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw new ZipError('PathTraversal', `entry name ${shown} is absolute`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ZipError('PathTraversal', `entry name ${shown} contains a '..' segment`);
  return parts.join('/');
}

/** Checks a link target as text (the writer's check; the reader also walks chains of links, see checkLinks). */
function checkLinkTarget(linkPath: string, target: string): void {
  const shown = `symlink ${JSON.stringify(linkPath)} -> ${JSON.stringify(target)}`;
  if (target === '' || target.includes('\0') || target.includes('\\')) throw new ZipError('PathTraversal', `${shown} has an invalid target`);
  if (target.startsWith('/')) throw new ZipError('PathTraversal', `${shown} is absolute`);
  const depth = linkPath.split('/').length - 1;
  let level = depth;
  for (const part of target.split('/')) {
    if (part === '..') level--;
    else if (part !== '' && part !== '.') level++;
    if (level < 0) throw new ZipError('PathTraversal', `${shown} points outside the root`);
  }
}

function decodeName(raw: Buffer): string {
  // Tools differ on setting the UTF-8 flag (bit 11); UTF-8 is right far more often than CP437, so try it first.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

/** An entry checked from its central and local headers; `source` opens its data. */
interface Planned {
  readonly path: string;
  readonly name: string;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
  readonly mode: number;
  readonly size: number;
  readonly crc: number;
  readonly source: yauzl.Entry;
  /** Link target, read and CRC-checked while planning (links are small). */
  target?: string;
}

interface Plan {
  readonly zip: yauzl.ZipFile;
  readonly entries: Planned[];
}

/**
 * The end of central directory record. yauzl takes the last signature it meets, so a comment that contains one (python
 * writes such archives in our tests) would hide the real record: prefer a record that ends exactly at the end.
 */
function findEocd(buf: Buffer): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  let loose = -1;
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) !== SIG_EOCD) continue;
    const end = i + 22 + buf.readUInt16LE(i + 20);
    if (end === buf.length) return i;
    // Trailing bytes after the comment happen in the wild; use it only if no exact match exists.
    if (end < buf.length && loose < 0) loose = i;
  }
  if (loose >= 0) return loose;
  throw bad('not a zip archive: end of central directory record not found');
}

/** The archive up to its end record, the comment cut off (its length read as 0): no copy of the data. */
class ArchiveReader extends yauzl.RandomAccessReader {
  readonly #head: Buffer;
  readonly #tail: Buffer;
  constructor(buf: Buffer, eocd: number) {
    super();
    this.#head = buf.subarray(0, eocd + 20);
    this.#tail = Buffer.from([0, 0]);
  }
  get size(): number {
    return this.#head.length + 2;
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const parts = [this.#head.subarray(start, Math.min(end, this.#head.length))];
    if (end > this.#head.length) parts.push(this.#tail.subarray(Math.max(0, start - this.#head.length), end - this.#head.length));
    return Readable.from(parts.filter((p) => p.length > 0));
  }
}

function openBuffer(buf: Buffer): Promise<yauzl.ZipFile> {
  if (buf.length < 22) return Promise.reject(bad('not a zip archive: too short'));
  let eocd: number;
  try {
    eocd = findEocd(buf);
  } catch (err) {
    return Promise.reject(err);
  }
  // decodeStrings off: names are checked here with this module's own rules and messages.
  const options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false } as const;
  return new Promise((resolveZip, reject) => {
    const done = (err: Error | null, zip: yauzl.ZipFile): void => (err ? reject(asZipError(err)) : resolveZip(zip));
    if (eocd + 22 === buf.length && buf.readUInt16LE(eocd + 20) === 0) yauzl.fromBuffer(buf, options, done);
    else {
      const reader = new ArchiveReader(buf, eocd);
      yauzl.fromRandomAccessReader(reader, reader.size, options, done);
    }
  });
}

/** yauzl's and zlib's errors in this module's terms. */
function asZipError(err: unknown, shown?: string): ZipError {
  if (err instanceof ZipError) return err;
  if (err instanceof DiskBudgetExceeded) return new ZipError('TooLarge', err.message);
  const message = err instanceof Error ? err.message : String(err);
  const what = shown ? `entry ${shown}` : 'archive';
  if (/too many bytes in the stream/.test(message)) return new ZipError('TooLarge', `${what} inflates past its declared size`);
  const short = /not enough bytes in the stream\. expected (\d+)\. got only (\d+)/.exec(message);
  if (short) return bad(`${what} is ${short[2]} bytes, but declares ${short[1]}`);
  if (/size mismatch for stored file/.test(message)) return bad(`stored ${what} has mismatched sizes`);
  if (/end of central directory record signature not found/.test(message)) return bad('not a zip archive: end of central directory record not found');
  if (/multi-disk/.test(message)) return new ZipError('Unsupported', 'multi-disk (split) archives are not supported');
  if (/strong encryption/.test(message)) return new ZipError('Unsupported', `${what} is encrypted`);
  if ((err as { code?: string }).code?.startsWith('Z_') || (err as { errno?: number }).errno !== undefined && /inflate|header|distance|block|code/.test(message)) {
    return bad(`${what} has corrupt deflate data: ${message}`);
  }
  return bad(`${what} is corrupt: ${message}`);
}

/**
 * Reads and checks the whole central directory and every local header before a byte of data is written: names,
 * encryption, methods, declared sizes, overlapping entries, duplicates, paths through files or links, and where every
 * link really leads (following chains of links inside the archive).
 */
async function plan(buf: Buffer, limits: ZipLimits): Promise<Plan> {
  const maxEntries = limits.maxEntries ?? DEFAULT_ZIP_LIMITS.maxEntries;
  const maxBytes = limits.maxUncompressedBytes ?? DEFAULT_ZIP_LIMITS.maxUncompressedBytes;
  const zip = await openBuffer(buf);
  if (zip.entryCount > maxEntries) throw new ZipError('TooLarge', `archive has ${zip.entryCount} entries, more than the limit of ${maxEntries}`);
  const entries: Planned[] = [];
  const ranges: Array<[number, number, string]> = [];
  let declaredTotal = 0;
  try {
    for await (const e of zip.eachEntry()) {
      const name = decodeName(e.fileName as unknown as Buffer);
      const shown = JSON.stringify(name);
      declaredTotal += e.uncompressedSize;
      if (declaredTotal > maxBytes) throw new ZipError('TooLarge', `archive declares more than ${maxBytes} uncompressed bytes`);
      if (e.generalPurposeBitFlag & 0x41) throw new ZipError('Unsupported', `entry ${shown} is encrypted`);
      if (e.compressionMethod !== 0 && e.compressionMethod !== 8) throw new ZipError('Unsupported', `entry ${shown} uses compression method ${e.compressionMethod} (only store and deflate are supported)`);
      const local = await zip.readLocalFileHeaderPromise(e).catch((err: unknown) => {
        throw bad(`local header of entry ${shown} is missing (${err instanceof Error ? err.message : String(err)})`);
      });
      // Different tools trust different copies of the name; disagreeing copies are a classic smuggling trick.
      if (decodeName(local.fileName) !== name) throw bad(`local and central names of entry ${shown} differ`);
      const end = local.fileDataStart + e.compressedSize;
      if (end > buf.length) throw bad(`data of entry ${shown} overruns the archive`);
      ranges.push([e.relativeOffsetOfLocalHeader, end, name]);
      const madeBy = e.versionMadeBy >> 8;
      const unixMode = madeBy === 3 ? e.externalFileAttributes >>> 16 : 0;
      const isSymlink = (unixMode & S_IFMT) === S_IFLNK;
      const isDirectory = !isSymlink && (name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR || (e.externalFileAttributes & 0x10) !== 0);
      const path = normalizeZipPath(name);
      if (path === '') {
        if (isDirectory) continue; // "./" or "/"-only names denote the root itself
        throw new ZipError('PathTraversal', `entry ${shown} has an empty path`);
      }
      const planned: Planned = { path, name, isDirectory, isSymlink, mode: unixMode, size: e.uncompressedSize, crc: e.crc32, source: e };
      if (isSymlink) {
        if (e.uncompressedSize > MAX_LINK_TARGET) throw new ZipError('PathTraversal', `symlink ${shown} has a target longer than ${MAX_LINK_TARGET} bytes`);
        planned.target = (await readData(zip, planned)).toString('utf8');
        checkLinkTarget(path, planned.target);
      }
      entries.push(planned);
    }
  } catch (err) {
    zip.close();
    throw asZipError(err);
  }
  // Overlapping entries are how "non-recursive" zip bombs amplify one compressed blob into many files.
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw bad(`entries ${JSON.stringify(ranges[i - 1]![2])} and ${JSON.stringify(ranges[i]![2])} overlap`);
  }
  checkTree(entries);
  await checkLinks(entries);
  return { zip, entries };
}

/** Rejects duplicate paths and paths that go through a file or a symlink (which could redirect writes). */
function checkTree(entries: Planned[]): void {
  const byPath = new Map<string, Planned>();
  for (const e of entries) {
    const prev = byPath.get(e.path);
    if (prev && !(prev.isDirectory && e.isDirectory)) throw bad(`duplicate entry ${JSON.stringify(e.path)}`);
    byPath.set(e.path, e);
  }
  for (const e of entries) {
    for (let i = e.path.indexOf('/'); i >= 0; i = e.path.indexOf('/', i + 1)) {
      const parent = byPath.get(e.path.slice(0, i));
      if (parent?.isSymlink) throw new ZipError('PathTraversal', `entry ${JSON.stringify(e.path)} lies under symlink ${JSON.stringify(parent.path)}`);
      if (parent && !parent.isDirectory) throw bad(`entry ${JSON.stringify(e.path)} lies under file ${JSON.stringify(parent.path)}`);
    }
  }
}

/** Every link walked through the archive's own links: a chain of links that each look safe must not end outside. */
async function checkLinks(entries: Planned[]): Promise<void> {
  const links = new Map(entries.filter((e) => e.isSymlink).map((e) => [e.path, e.target!]));
  if (!links.size) return;
  const lookup = (path: string): LookupResult => {
    const target = links.get(path);
    return target === undefined ? { kind: 'other' } : { kind: 'link', target };
  };
  for (const [path, target] of links) {
    const why = await linkEscape(lookup, path, target);
    if (why) throw new ZipError('PathTraversal', `symlink ${JSON.stringify(path)} -> ${JSON.stringify(target)} ${why}`);
  }
}

/** Counts and CRCs an entry's bytes as they stream, and stops the stream once it passes a limit. */
class Meter extends Transform {
  crc = 0;
  bytes = 0;
  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.onBytes(chunk.length);
    } catch (err) {
      done(err as Error);
      return;
    }
    this.bytes += chunk.length;
    this.crc = zlibCrc32(chunk, this.crc);
    done(null, chunk);
  }
}

async function pump(zip: yauzl.ZipFile, e: Planned, sink: Writable, onBytes: (n: number) => void): Promise<void> {
  const shown = JSON.stringify(e.name);
  const meter = new Meter(onBytes);
  try {
    await pipeline(await zip.openReadStreamPromise(e.source), meter, sink);
  } catch (err) {
    throw asZipError(err, shown);
  }
  if (meter.bytes !== e.size) throw bad(`entry ${shown} is ${meter.bytes} bytes, but declares ${e.size}`);
  if (meter.crc !== e.crc) throw bad(`CRC-32 mismatch in entry ${shown}`);
}

async function readData(zip: yauzl.ZipFile, e: Planned, total?: { bytes: number; max: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Transform({ transform: (c: Buffer, _e, done) => (chunks.push(c), done()) });
  await pump(zip, e, sink, (n) => {
    if (total && (total.bytes += n) > total.max) throw new ZipError('TooLarge', `archive exceeds ${total.max} uncompressed bytes`);
  });
  return Buffer.concat(chunks);
}

/** Parses and fully validates an archive, returning every entry with its (inflated, CRC-checked) data. For small archives. */
export async function readZip(buf: Buffer, limits: ZipLimits = {}): Promise<ZipEntry[]> {
  const { zip, entries } = await plan(buf, limits);
  const total = { bytes: 0, max: limits.maxUncompressedBytes ?? DEFAULT_ZIP_LIMITS.maxUncompressedBytes };
  try {
    const out: ZipEntry[] = [];
    for (const e of entries) {
      const data = e.isDirectory ? Buffer.alloc(0) : e.isSymlink ? Buffer.from(e.target!) : await readData(zip, e, total);
      out.push({ path: e.path, isDirectory: e.isDirectory, ...(e.mode ? { mode: e.mode } : {}), isSymlink: e.isSymlink, data });
    }
    return out;
  } finally {
    zip.close();
  }
}

export interface ExtractOptions extends ZipLimits {
  /** Counts the bytes written against a server-wide disk budget. */
  readonly disk?: DiskLease;
}

/**
 * Extracts an archive into `destDir` (created if needed), keeping permission bits and in-root symlinks. Everything is
 * checked before a byte is written; data streams to disk entry by entry, its actual inflated bytes counted against the
 * limits. On any failure the destination is removed.
 */
export async function extractZip(buf: Buffer, destDir: string, opts: ExtractOptions = {}): Promise<ExtractedEntry[]> {
  const { zip, entries } = await plan(buf, opts);
  const root = resolve(destDir);
  const inside = (p: string): string => {
    const full = resolve(root, p);
    if (full !== root && !full.startsWith(root + sep)) throw new ZipError('PathTraversal', `entry ${JSON.stringify(p)} escapes the destination`);
    return full;
  };
  const max = opts.maxUncompressedBytes ?? DEFAULT_ZIP_LIMITS.maxUncompressedBytes;
  let written = 0;
  const count = (n: number): void => {
    if ((written += n) > max) throw new ZipError('TooLarge', `archive exceeds ${max} uncompressed bytes`);
    opts.disk?.take(n);
  };
  try {
    await mkdir(root, { recursive: true });
    for (const e of entries) {
      if (!e.isDirectory) continue;
      const full = inside(e.path);
      await mkdir(full, { recursive: true });
      // Keep the owner able to write into it, or the files below could not be created.
      await chmod(full, e.mode ? (e.mode & 0o7777) | 0o700 : 0o755);
    }
    for (const e of entries) {
      if (e.isDirectory || e.isSymlink) continue;
      const full = inside(e.path);
      await mkdir(dirname(full), { recursive: true });
      // 'wx': never through something already there (a link, say); explicit chmod after: the mode is filtered by umask.
      await pump(zip, e, createWriteStream(full, { flags: 'wx' }), count);
      await chmod(full, e.mode ? (e.mode & 0o777) | 0o400 : 0o644);
    }
    // Links last, so no file write above can follow one.
    for (const e of entries) {
      if (!e.isSymlink) continue;
      const full = inside(e.path);
      await mkdir(dirname(full), { recursive: true });
      await symlink(e.target!, full);
    }
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw asZipError(err);
  } finally {
    zip.close();
  }
  return entries.map((e) => ({ path: e.path, isDirectory: e.isDirectory, ...(e.mode ? { mode: e.mode } : {}), isSymlink: e.isSymlink, size: e.size }));
}
