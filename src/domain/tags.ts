/**
 * @module
 * TagResources / UntagResources / ListTagResources over functions (the only taggable resource localfc has). Tags live
 * on the function record (functions.setTags), so the reserved `localfc:fault:*` tags set here take effect as on create.
 */
import { errors } from './errors.ts';
import { functionFaults } from './faults/rules.ts';
import type { FunctionService } from './functions.ts';
import type { FunctionRecord, Tag } from './model.ts';

export const MAX_TAGS = 20;
const FUNCTION_TYPES = new Set(['function', 'aliyun::fc::function', 'aliyun::fc:function']);

export interface TaggedResource {
  readonly ResourceId: string;
  readonly ResourceType: string;
  readonly TagKey: string;
  readonly TagValue: string;
}

export class TagService {
  constructor(private readonly functions: FunctionService) {}

  tag(resourceType: string | undefined, resourceIds: readonly string[], given: readonly Tag[]): void {
    const tags = checkedTags(given);
    // All or nothing: resolve and validate every resource before changing any.
    const updates = resourceIds.map((id) => {
      const fn = this.#resolve(resourceType, id);
      const merged = [...fn.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags];
      if (merged.length > MAX_TAGS) throw errors.invalidArgument(`function '${fn.functionName}' would have ${merged.length} tags; at most ${MAX_TAGS} are allowed`);
      functionFaults(merged, this.functions.shown(fn).config.environmentVariables, true);
      return { name: fn.functionName, tags: merged };
    });
    for (const u of updates) this.functions.setTags(u.name, u.tags);
  }

  untag(resourceType: string | undefined, resourceIds: readonly string[], keys: readonly string[] | undefined, all: boolean): void {
    if (!all && !keys?.length) throw errors.invalidArgument('give TagKey (a JSON array of tag keys) or All=true');
    const fns = resourceIds.map((id) => this.#resolve(resourceType, id));
    for (const fn of fns) this.functions.setTags(fn.functionName, all ? [] : fn.tags.filter((t) => !keys!.includes(t.Key)));
  }

  /** One row per (resource, tag), resources by name, tags in the order they were set; NextToken is a row offset. */
  list(opts: { resourceType?: string; resourceIds?: readonly string[]; filter?: ReadonlyArray<{ Key: string; Value?: string }>; limit?: number; nextToken?: string }): { rows: TaggedResource[]; nextToken?: string } {
    const fns = opts.resourceIds?.length
      ? opts.resourceIds.map((id) => this.#resolve(opts.resourceType, id))
      : (checkType(opts.resourceType), this.functions.list({ limit: Number.MAX_SAFE_INTEGER }).functions);
    const filter = opts.filter ?? [];
    const rows = fns
      .filter((fn) => filter.every((f) => fn.tags.some((t) => t.Key === f.Key && (f.Value === undefined || t.Value === f.Value))))
      .flatMap((fn) => fn.tags.map((t) => ({ ResourceId: fn.functionArn, ResourceType: 'function', TagKey: t.Key, TagValue: t.Value })));
    const start = opts.nextToken ? Number(opts.nextToken) : 0;
    if (!Number.isInteger(start) || start < 0) throw errors.invalidArgument(`invalid NextToken '${opts.nextToken}'`);
    const limit = opts.limit ?? 20;
    const page = rows.slice(start, start + limit);
    return start + limit < rows.length ? { rows: page, nextToken: String(start + limit) } : { rows: page };
  }

  /** A function by name or by ARN (`acs:fc:<region>:<account>:functions/<name>`). */
  #resolve(resourceType: string | undefined, id: string): FunctionRecord {
    checkType(resourceType);
    const name = /^acs:fc:[^:]*:[^:]*:functions\/([^/]+)$/.exec(id)?.[1] ?? id;
    const fn = this.functions.get(name);
    if (id !== name && fn.functionArn !== id) throw errors.functionNotFound(id);
    return fn;
  }
}

function checkType(resourceType: string | undefined): void {
  if (resourceType !== undefined && resourceType !== '' && !FUNCTION_TYPES.has(resourceType.toLowerCase())) {
    throw errors.invalidArgument(`resource type '${resourceType}' is not supported by localfc: only function (ALIYUN::FC::FUNCTION) can be tagged`);
  }
}

/**
 * Tags as a resource keeps them, from CreateFunction's `tags` or TagResources' `Tag`: each key checked, and one tag per
 * key (a key given twice keeps its last value, as a map does: Alibaba Cloud's tags are a key-value map, UntagResources
 * removes by key and Terraform's `tags` is a map).
 */
export function checkedTags(tags: readonly Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const t of tags) {
    checkTag(t);
    byKey.delete(t.Key); // the last one given decides the value and the place
    byKey.set(t.Key, t);
  }
  return [...byKey.values()];
}

/**
 * FC's "Configure tags" limits (help.aliyun.com/en/functioncompute/fc/function-tags-management): a key up to 64 Unicode
 * characters, a value up to 128; neither may contain Chinese punctuation marks, http:// or https://; a key must not
 * start with aliyun or acs:. (`·` is on the page's list of allowed characters.)
 */
const CHINESE_PUNCTUATION = /[\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014]/;

function checkTag(t: Tag): void {
  const { Key: key, Value: value } = t;
  if (/^(aliyun|acs:)/i.test(key)) throw errors.invalidArgument(`tag key '${key}' must not start with 'aliyun' or 'acs:'`);
  if ([...key].length > 64) throw errors.invalidArgument(`tag key '${key.slice(0, 80)}' is longer than 64 characters`);
  if ([...value].length > 128) throw errors.invalidArgument(`tag value '${value.slice(0, 80)}' of key '${key}' is longer than 128 characters`);
  for (const [what, text] of [['key', key], ['value', value]] as const) {
    if (/https?:\/\//i.test(text)) throw errors.invalidArgument(`tag ${what} '${text}' must not contain http:// or https://`);
    if (CHINESE_PUNCTUATION.test(text)) throw errors.invalidArgument(`tag ${what} '${text}' must not contain Chinese punctuation marks`);
  }
}
