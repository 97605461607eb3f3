/**
 * @module
 * FC's list paging by name: items sorted by a string key, a page starts at `nextToken` (inclusive), and the token
 * for the next page is its first key, absent on the last page.
 */

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

export interface PageOptions {
  readonly prefix?: string | undefined;
  readonly limit?: number | undefined;
  readonly nextToken?: string | undefined;
}

export const DEFAULT_PAGE_SIZE = 20;

export function pageByKey<T>(all: Iterable<T>, key: (t: T) => string, opts: PageOptions): Page<T> {
  const { prefix, nextToken } = opts;
  const sorted = [...all]
    .filter((t) => (!prefix || key(t).startsWith(prefix)) && (!nextToken || key(t) >= nextToken))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return takePage(sorted, opts.limit ?? DEFAULT_PAGE_SIZE, key);
}

/** The first `limit` of an already ordered list, with the token of the item after them. */
export function takePage<T>(sorted: readonly T[], limit: number, token: (t: T) => string): Page<T> {
  const next = sorted[limit];
  return next === undefined ? { items: sorted.slice(0, limit) } : { items: sorted.slice(0, limit), nextToken: token(next) };
}
