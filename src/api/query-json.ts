/**
 * @module
 * FC list operations take lists in the query string as JSON arrays (tag filters, resource ids, instance ids): one
 * parser for them, failing with the cloud's InvalidArgument.
 */
import { errors } from '../domain/errors.ts';

export interface TagFilter {
  Key: string;
  Value?: string;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isTagFilter = (v: unknown): v is TagFilter => typeof v === 'object' && v !== null && typeof (v as { Key?: unknown }).Key === 'string';

/** The parameter's items, or undefined when it is absent or empty; `items` names what they must be in the error. */
export function jsonArrayParam<T>(raw: string | undefined, name: string, ok: (v: unknown) => v is T, items?: string): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v) && v.every(ok)) return v;
  } catch {
    /* fall through */
  }
  throw errors.invalidArgument(`${name} must be a JSON array${items ? ` of ${items}` : ''}`);
}
