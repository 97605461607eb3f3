/**
 * @module
 * A small, defensive ZIP reader/writer (store + deflate, no ZIP64) for function code packages, built on node:zlib only.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, posix, resolve, sep } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

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

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

// Own CRC-32 because zlib.crc32 only exists from Node 20.15 / 22.2.
const CRC_TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c >>> 0;
}

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
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

/** Checks that a symlink at `linkPath` pointing to `target` resolves inside the archive root. */
function checkLinkTarget(linkPath: string, target: string): void {
  const shown = `symlink ${JSON.stringify(linkPath)} -> ${JSON.stringify(target)}`;
  if (target === '' || target.includes('\0') || target.includes('\\')) throw new ZipError('PathTraversal', `${shown} has an invalid target`);
  if (target.startsWith('/')) throw new ZipError('PathTraversal', `${shown} is absolute`);
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (resolved === '..' || resolved.startsWith('../')) throw new ZipError('PathTraversal', `${shown} points outside the root`);
}

function decodeName(raw: Buffer): string {
  // Tools differ on setting the UTF-8 flag (bit 11); UTF-8 is right far more often than CP437, so try it first.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

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

/** Parses and fully validates an archive, returning every entry with its (inflated, CRC-checked) data. */
export function readZip(buf: Buffer, limits: ZipLimits = {}): ZipEntry[] {
  const maxEntries = limits.maxEntries ?? DEFAULT_ZIP_LIMITS.maxEntries;
  const maxBytes = limits.maxUncompressedBytes ?? DEFAULT_ZIP_LIMITS.maxUncompressedBytes;
  if (buf.length < 22) throw bad('not a zip archive: too short');
  const eocd = findEocd(buf);
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff || (eocd >= 20 && buf.readUInt32LE(eocd - 20) === SIG_ZIP64_LOCATOR)) {
    throw new ZipError('Unsupported', 'ZIP64 archives are not supported');
  }
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0 || buf.readUInt16LE(eocd + 8) !== count) {
    throw new ZipError('Unsupported', 'multi-disk (split) archives are not supported');
  }
  if (count > maxEntries) throw new ZipError('TooLarge', `archive has ${count} entries, more than the limit of ${maxEntries}`);
  if (cdOffset + cdSize > eocd) throw bad('central directory lies outside the archive');

  interface Raw { name: string; method: number; flags: number; crc: number; compSize: number; size: number; madeBy: number; attr: number; offset: number }
  const raws: Raw[] = [];
  let declaredTotal = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || buf.readUInt32LE(p) !== SIG_CENTRAL) throw bad(`central directory entry ${i} is corrupt`);
    const nameLen = buf.readUInt16LE(p + 28);
    const next = p + 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    if (next > cdOffset + cdSize) throw bad(`central directory entry ${i} overruns the directory`);
    const u16 = (at: number): number => buf.readUInt16LE(p + at);
    const u32 = (at: number): number => buf.readUInt32LE(p + at);
    const name = decodeName(buf.subarray(p + 46, p + 46 + nameLen));
    const raw: Raw = { name, madeBy: u16(4), flags: u16(8), method: u16(10), crc: u32(16), compSize: u32(20), size: u32(24), attr: u32(38), offset: u32(42) };
    if (raw.compSize === 0xffffffff || raw.size === 0xffffffff || raw.offset === 0xffffffff) {
      throw new ZipError('Unsupported', `entry ${JSON.stringify(raw.name)} needs ZIP64, which is not supported`);
    }
    declaredTotal += raw.size;
    if (declaredTotal > maxBytes) throw new ZipError('TooLarge', `archive declares more than ${maxBytes} uncompressed bytes`);
    raws.push(raw);
    p = next;
  }

  const entries: ZipEntry[] = [];
  const ranges: Array<[number, number, string]> = [];
  let total = 0;
  for (const r of raws) {
    const shown = JSON.stringify(r.name);
    if (r.flags & 0x41) throw new ZipError('Unsupported', `entry ${shown} is encrypted`);
    if (r.method !== 0 && r.method !== 8) throw new ZipError('Unsupported', `entry ${shown} uses compression method ${r.method} (only store and deflate are supported)`);
    if (r.offset + 30 > cdOffset || buf.readUInt32LE(r.offset) !== SIG_LOCAL) throw bad(`local header of entry ${shown} is missing`);
    const localNameLen = buf.readUInt16LE(r.offset + 26);
    const start = r.offset + 30 + localNameLen + buf.readUInt16LE(r.offset + 28);
    const end = start + r.compSize;
    if (end > cdOffset) throw bad(`data of entry ${shown} overruns the archive`);
    // Different tools trust different copies of the name; disagreeing copies are a classic smuggling trick.
    if (decodeName(buf.subarray(r.offset + 30, r.offset + 30 + localNameLen)) !== r.name) throw bad(`local and central names of entry ${shown} differ`);
    ranges.push([r.offset, end, r.name]);

    const unixMode = r.madeBy >> 8 === 3 ? r.attr >>> 16 : 0;
    const isSymlink = (unixMode & S_IFMT) === S_IFLNK;
    const isDirectory = !isSymlink && (r.name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR || (r.attr & 0x10) !== 0);
    const path = normalizeZipPath(r.name);
    if (path === '') {
      if (isDirectory) continue; // "./" or "/"-only names denote the root itself
      throw new ZipError('PathTraversal', `entry ${shown} has an empty path`);
    }

    const comp = buf.subarray(start, end);
    let data: Buffer;
    if (r.method === 0) {
      if (r.compSize !== r.size) throw bad(`stored entry ${shown} has mismatched sizes`);
      data = Buffer.from(comp);
    } else {
      try {
        // Capping the output at the declared size (already within budget) stops a bomb mid-inflate.
        data = inflateRawSync(comp, { maxOutputLength: Math.max(1, r.size) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipError('TooLarge', `entry ${shown} inflates past its declared size`);
        throw bad(`entry ${shown} has corrupt deflate data: ${(err as Error).message}`);
      }
    }
    if (data.length !== r.size) throw bad(`entry ${shown} is ${data.length} bytes, but declares ${r.size}`);
    total += data.length;
    if (total > maxBytes) throw new ZipError('TooLarge', `archive exceeds ${maxBytes} uncompressed bytes`);
    if (crc32(data) !== r.crc) throw bad(`CRC-32 mismatch in entry ${shown}`);
    if (isSymlink) checkLinkTarget(path, data.toString('utf8'));
    entries.push({ path, isDirectory, ...(unixMode ? { mode: unixMode } : {}), isSymlink, data: isDirectory ? Buffer.alloc(0) : data });
  }

  // Overlapping entries are how "non-recursive" zip bombs amplify one compressed blob into many files.
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw bad(`entries ${JSON.stringify(ranges[i - 1]![2])} and ${JSON.stringify(ranges[i]![2])} overlap`);
  }
  checkTree(entries);
  return entries;
}

/** Rejects duplicate paths and paths that go through a file or a symlink (which could redirect writes). */
function checkTree(entries: ZipEntry[]): void {
  const byPath = new Map<string, ZipEntry>();
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

/** Extracts an archive into `destDir` (created if needed), keeping permission bits and in-root symlinks. */
export async function extractZip(buf: Buffer, destDir: string, limits?: ZipLimits): Promise<ZipEntry[]> {
  const entries = readZip(buf, limits);
  const root = resolve(destDir);
  const inside = (p: string): string => {
    const full = resolve(root, p);
    if (full !== root && !full.startsWith(root + sep)) throw new ZipError('PathTraversal', `entry ${JSON.stringify(p)} escapes the destination`);
    return full;
  };
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
    await writeFile(full, e.data);
    await chmod(full, e.mode ? (e.mode & 0o777) | 0o400 : 0o644); // explicit chmod: writeFile's mode is filtered by umask
  }
  // Links last, so no file write above can follow one.
  for (const e of entries) {
    if (!e.isSymlink) continue;
    const full = inside(e.path);
    const target = e.data.toString('utf8');
    inside(posix.join(posix.dirname(e.path), target));
    await mkdir(dirname(full), { recursive: true });
    await symlink(target, full);
  }
  return entries;
}

export interface ZipInputFile {
  /** Relative path; a trailing '/' makes a directory entry. */
  path: string;
  data: Buffer | string;
  /** Unix mode; permission bits alone (e.g. 0o755) are fine. Type 0o120000 makes a symlink whose data is the target. */
  mode?: number;
}

// 1980-01-01 00:00, the DOS epoch: fixed so the same files always give the same bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** Builds a deflate-compressed archive with Unix modes, readable by unzip, python's zipfile and readZip. */
export function createZip(files: ZipInputFile[]): Buffer {
  if (files.length >= 0xffff) throw new ZipError('Unsupported', 'too many entries for a non-ZIP64 archive');
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const isDir = f.path.endsWith('/');
    const norm = normalizeZipPath(f.path);
    if (norm === '') throw new ZipError('PathTraversal', `entry name ${JSON.stringify(f.path)} is empty`);
    const name = Buffer.from(isDir ? `${norm}/` : norm, 'utf8');
    const data = isDir ? Buffer.alloc(0) : typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
    let mode = f.mode ?? (isDir ? 0o755 : 0o644);
    if ((mode & S_IFMT) === 0) mode |= isDir ? S_IFDIR : S_IFREG;
    if ((mode & S_IFMT) === S_IFLNK) checkLinkTarget(norm, data.toString('utf8'));
    const method = isDir || (mode & S_IFMT) === S_IFLNK ? 0 : 8;
    const comp = method === 8 ? deflateRawSync(data) : data;
    if (offset + comp.length + 30 + name.length > 0xfffffffe || data.length >= 0xffffffff) throw new ZipError('Unsupported', 'archive too large without ZIP64');
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    // Version needed 2.0 (deflate, directories); flag 0x0800: the name is UTF-8.
    [[SIG_LOCAL, 0, 4], [20, 4, 2], [0x0800, 6, 2], [method, 8, 2], [DOS_TIME, 10, 2], [DOS_DATE, 12, 2], [crc, 14, 4], [comp.length, 18, 4], [data.length, 22, 4], [name.length, 26, 2]].forEach(
      ([v, at, n]) => local.writeUIntLE(v!, at!, n!),
    );
    locals.push(local, name, comp);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG_CENTRAL, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, so the high attribute bits are read as st_mode
    local.copy(central, 6, 4, 30); // version needed .. name length are laid out identically
    central.writeUInt32LE((((mode & 0xffff) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  [[SIG_EOCD, 0, 4], [files.length, 8, 2], [files.length, 10, 2], [cd.length, 12, 4], [offset, 16, 4]].forEach(([v, at, n]) => eocd.writeUIntLE(v!, at!, n!));
  return Buffer.concat([...locals, cd, eocd]);
}
