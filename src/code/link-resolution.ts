/**
 * @module
 * Where a symbolic link really leads, walked the way the kernel walks a path: component by component, each link met on
 * the way replaced by its target, and `..` taken from where the walk really is (not from the text, where `l/..` cancels
 * out even when `l` is a link). Used for a zip's own links before anything is written, and for the tree that several
 * layers make once merged, whose links were each safe alone.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';

/** What a relative path names in the tree: a link (with its target), something else, or nothing. */
export type LookupResult = { kind: 'link'; target: string } | { kind: 'other' } | undefined;
export type Lookup = (path: string) => LookupResult | Promise<LookupResult>;

/** Linux gives up after 40 links in one walk (ELOOP); a longer chain is refused as a loop. */
const MAX_HOPS = 40;

/**
 * Walks `linkPath`'s target inside a root and returns why it leaves the root (or loops), else undefined.
 * Paths are relative to the root, '/'-separated.
 */
export async function linkEscape(lookup: Lookup, linkPath: string, target: string): Promise<string | undefined> {
  if (target.startsWith('/')) return 'is absolute';
  const where = linkPath.split('/').slice(0, -1);
  const pending = target.split('/').reverse();
  let hops = 0;
  while (pending.length) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!where.length) return 'points outside the root';
      where.pop();
      continue;
    }
    const here = [...where, part].join('/');
    const found = await lookup(here);
    if (found?.kind !== 'link') {
      where.push(part);
      continue;
    }
    if (++hops > MAX_HOPS) return `goes through more than ${MAX_HOPS} links (a loop)`;
    if (found.target.startsWith('/')) return `goes through ${JSON.stringify(here)}, an absolute link`;
    pending.push(...found.target.split('/').reverse());
  }
  return undefined;
}

/** A lookup over a directory on disk (lstat: links are not followed). */
export function diskLookup(root: string): Lookup {
  return async (path) => {
    try {
      const st = await lstat(join(root, path));
      return st.isSymbolicLink() ? { kind: 'link', target: await readlink(join(root, path)) } : { kind: 'other' };
    } catch {
      return undefined;
    }
  };
}

/** Every link under `root` on disk whose walk leaves `root`, with the reason; empty when all stay inside. */
export async function escapingLinks(root: string): Promise<string[]> {
  const lookup = diskLookup(root);
  const found: string[] = [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isSymbolicLink()) continue;
    const full = join(e.parentPath, e.name);
    const path = relative(root, full).split(sep).join(posix.sep);
    const why = await linkEscape(lookup, path, await readlink(full));
    if (why) found.push(`symlink ${JSON.stringify(path)} ${why}`);
  }
  return found;
}
