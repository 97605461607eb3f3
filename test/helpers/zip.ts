/**
 * Code packages for tests, bench and scripts, written with fflate: deflated files with Unix modes, directories
 * (a trailing '/') and symlinks (mode 0o120000, the data is the target), with a fixed time so the same files
 * always give the same bytes.
 */
import { type ZipAttributes, zipSync } from 'fflate';

export interface ZipInputFile {
  /** Relative path; a trailing '/' makes a directory entry. */
  path: string;
  data: Buffer | string;
  /** Unix mode; permission bits alone (e.g. 0o755) are fine. Type 0o120000 makes a symlink whose data is the target. */
  mode?: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
// 1980-01-01, the DOS epoch; fflate reads a Date in local time.
const MTIME = new Date(1980, 0, 1);

export function createZip(files: ZipInputFile[]): Buffer {
  const entries: Record<string, [Uint8Array, ZipAttributes & { level: 0 | 6 }]> = {};
  for (const f of files) {
    const isDir = f.path.endsWith('/');
    let mode = f.mode ?? (isDir ? 0o755 : 0o644);
    if ((mode & S_IFMT) === 0) mode |= isDir ? 0o040000 : 0o100000;
    const data = isDir ? new Uint8Array(0) : typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
    // os 3 (Unix): the high 16 bits of the attributes are read as st_mode; 0x10 is the DOS directory bit.
    entries[f.path] = [data, { level: isDir || (mode & S_IFMT) === S_IFLNK ? 0 : 6, os: 3, attrs: ((mode << 16) | (isDir ? 0x10 : 0)) >>> 0, mtime: MTIME }];
  }
  return Buffer.from(zipSync(entries));
}
