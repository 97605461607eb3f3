/**
 * @module
 * One function's published versions and aliases, and alias routing. No HTTP and no backend: FunctionService decides
 * when a version may be published and keeps the prepared code of each version alive.
 */
import { errors } from './errors.ts';
import { RESOURCE_NAME, type Revision } from './model.ts';
import { DEFAULT_PAGE_SIZE, type Page, pageByKey, takePage } from './paging.ts';

export interface VersionRecord {
  readonly versionId: string;
  readonly description: string;
  readonly createdTime: number;
  readonly lastModifiedTime: number;
  /** The immutable snapshot of code and configuration this version runs. */
  readonly revision: Revision;
}

export interface AliasRecord {
  readonly aliasName: string;
  /** A version id, or LATEST (then without additional weights). */
  readonly versionId: string;
  readonly description: string;
  /** Canary versions and the share of traffic (0–1) each receives; the rest goes to versionId. */
  readonly additionalVersionWeight: Readonly<Record<string, number>>;
  readonly createdTime: number;
  readonly lastModifiedTime: number;
}

export interface AliasInput {
  readonly versionId?: string;
  readonly description?: string;
  readonly additionalVersionWeight?: Readonly<Record<string, number>>;
}

/** What persistence saves of a function's versions and aliases. */
export interface VersionsState {
  readonly lastId: number;
  readonly versions: readonly VersionRecord[];
  readonly aliases: readonly AliasRecord[];
}

export type { Page } from './paging.ts';

// Alias names (RESOURCE_NAME) may not look like a version id or LATEST, so a qualifier always means one thing.
const VERSION_ID = /^[1-9][0-9]*$/;

export class FunctionVersions {
  // Made on first use: most functions never publish a version or make an alias, and an empty Map costs ≈ 200 bytes
  // (one of these per function: issue 16's memory row).
  #versionMap: Map<string, VersionRecord> | undefined;
  #aliasMap: Map<string, AliasRecord> | undefined;
  /** Ids are never reused, even after a version is deleted. */
  #lastId = 0;

  constructor(
    private readonly functionName: string,
    private readonly clock: { now(): number },
    private readonly random: () => number,
  ) {}

  get #versions(): Map<string, VersionRecord> {
    return (this.#versionMap ??= new Map());
  }

  get #aliases(): Map<string, AliasRecord> {
    return (this.#aliasMap ??= new Map());
  }

  /** Snapshots a revision as the next version; refused when it is identical to the newest version. */
  publish(revision: Revision, description: string): VersionRecord {
    const newest = this.#newest();
    if (newest && fingerprint(newest.revision) === fingerprint(revision)) throw errors.versionNoChanges(this.functionName);
    const now = this.clock.now();
    const version: VersionRecord = { versionId: String(++this.#lastId), description, createdTime: now, lastModifiedTime: now, revision };
    this.#versions.set(version.versionId, version);
    return version;
  }

  exportState(): VersionsState {
    return { lastId: this.#lastId, versions: [...this.#versions.values()], aliases: [...this.#aliases.values()] };
  }

  importState(state: VersionsState): void {
    this.#lastId = state.lastId;
    for (const v of state.versions) this.#versions.set(v.versionId, v);
    for (const a of state.aliases) this.#aliases.set(a.aliasName, a);
  }

  get(versionId: string): VersionRecord {
    const v = this.#versions.get(versionId);
    if (!v) throw errors.versionNotFound(this.functionName, versionId);
    return v;
  }

  /** Removes a version no alias points at; returns it so the caller can let go of its code. */
  remove(versionId: string): VersionRecord {
    const v = this.get(versionId);
    const users = [...this.#aliases.values()].filter((a) => a.versionId === versionId || versionId in a.additionalVersionWeight).map((a) => a.aliasName);
    if (users.length) throw errors.versionInUse(this.functionName, versionId, users.sort());
    this.#versions.delete(versionId);
    return v;
  }

  all(): VersionRecord[] {
    return [...this.#versions.values()];
  }

  /** BACKWARD (the default) lists newest first; nextToken is the id the next page starts at, absent on the last page. */
  list(opts: { direction?: 'FORWARD' | 'BACKWARD'; limit?: number; nextToken?: string }): Page<VersionRecord> {
    const backward = opts.direction !== 'FORWARD';
    const from = opts.nextToken !== undefined ? Number(opts.nextToken) : undefined;
    if (opts.nextToken !== undefined && !VERSION_ID.test(opts.nextToken)) throw errors.invalidArgument(`invalid nextToken '${opts.nextToken}'`);
    const sorted = [...this.#versions.values()]
      .sort((a, b) => (backward ? -1 : 1) * (Number(a.versionId) - Number(b.versionId)))
      .filter((v) => from === undefined || (backward ? Number(v.versionId) <= from : Number(v.versionId) >= from));
    return takePage(sorted, opts.limit ?? DEFAULT_PAGE_SIZE, (v) => v.versionId);
  }

  createAlias(aliasName: string, input: AliasInput & { versionId: string }): AliasRecord {
    if (!RESOURCE_NAME.test(aliasName) || aliasName === 'LATEST') {
      throw errors.invalidArgument(`invalid aliasName '${aliasName}': 1-128 letters, digits, '_' or '-', starting with a letter or '_', and not LATEST`);
    }
    if (this.#aliases.has(aliasName)) throw errors.aliasAlreadyExists(this.functionName, aliasName);
    const now = this.clock.now();
    const alias = this.#checked({ aliasName, versionId: input.versionId, description: input.description ?? '', additionalVersionWeight: input.additionalVersionWeight ?? {}, createdTime: now, lastModifiedTime: now });
    this.#aliases.set(aliasName, alias);
    return alias;
  }

  /** Absent fields stay as they are; an empty additionalVersionWeight ends a canary. */
  updateAlias(aliasName: string, input: AliasInput): AliasRecord {
    const current = this.getAlias(aliasName);
    const alias = this.#checked({
      ...current,
      ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.additionalVersionWeight !== undefined ? { additionalVersionWeight: input.additionalVersionWeight } : {}),
      lastModifiedTime: this.clock.now(),
    });
    this.#aliases.set(aliasName, alias);
    return alias;
  }

  getAlias(aliasName: string): AliasRecord {
    const a = this.#aliases.get(aliasName);
    if (!a) throw errors.aliasNotFound(this.functionName, aliasName);
    return a;
  }

  deleteAlias(aliasName: string): void {
    this.getAlias(aliasName);
    this.#aliases.delete(aliasName);
  }

  listAliases(opts: { prefix?: string; limit?: number; nextToken?: string }): Page<AliasRecord> {
    return pageByKey(this.#aliases.values(), (a) => a.aliasName, opts);
  }

  /**
   * A qualifier other than LATEST → the version that serves it: a version id as is; an alias through its weights
   * (one draw from the seeded source per call, canaries in version order, the remainder to the alias's version).
   */
  route(qualifier: string): { versionId: string; version?: VersionRecord } {
    if (VERSION_ID.test(qualifier)) return { versionId: qualifier, version: this.get(qualifier) };
    const alias = this.getAlias(qualifier);
    let chosen = alias.versionId;
    const canaries = Object.entries(alias.additionalVersionWeight).sort(([a], [b]) => Number(a) - Number(b));
    if (canaries.length) {
      const r = this.random();
      let acc = 0;
      for (const [id, weight] of canaries) {
        acc += weight;
        if (r < acc) {
          chosen = id;
          break;
        }
      }
    }
    return chosen === 'LATEST' ? { versionId: 'LATEST' } : { versionId: chosen, version: this.get(chosen) };
  }

  /** The version GetFunction shows for a qualifier (an alias shows its main version), or undefined for LATEST. */
  resolveStatic(qualifier: string): VersionRecord | undefined {
    if (qualifier === 'LATEST') return undefined;
    if (VERSION_ID.test(qualifier)) return this.get(qualifier);
    const alias = this.getAlias(qualifier);
    return alias.versionId === 'LATEST' ? undefined : this.get(alias.versionId);
  }

  #checked(alias: AliasRecord): AliasRecord {
    const fn = this.functionName;
    if (alias.versionId !== 'LATEST') {
      if (!VERSION_ID.test(alias.versionId)) throw errors.invalidArgument(`invalid versionId '${alias.versionId}': a version id or LATEST`);
      this.get(alias.versionId);
    }
    const weights = Object.entries(alias.additionalVersionWeight);
    if (weights.length && alias.versionId === 'LATEST') throw errors.invalidArgument('an alias that points at LATEST cannot have additionalVersionWeight');
    let sum = 0;
    for (const [id, w] of weights) {
      if (id === 'LATEST') throw errors.invalidArgument('additionalVersionWeight cannot name LATEST: canary versions must be published versions');
      if (id === alias.versionId) throw errors.additionalVersionContainsMajorVersion(alias.additionalVersionWeight, id);
      if (!VERSION_ID.test(id)) throw errors.invalidArgument(`invalid version id '${id}' in additionalVersionWeight`);
      if (!this.#versions.has(id)) throw errors.versionNotFound(fn, id);
      if (!(w >= 0 && w <= 1)) throw errors.invalidArgument(`weight of version '${id}' must be between 0 and 1, got ${w}`);
      sum += w;
    }
    // A little slack for sums like 0.1 + 0.2.
    if (sum > 1 + 1e-9) throw errors.invalidArgument(`the weights in additionalVersionWeight add up to ${sum}, more than 1`);
    return alias;
  }

  #newest(): VersionRecord | undefined {
    let newest: VersionRecord | undefined;
    for (const v of this.#versions.values()) if (!newest || Number(v.versionId) > Number(newest.versionId)) newest = v;
    return newest;
  }
}


/** What makes two revisions the same deployment: code (or pinned image) and configuration. */
function fingerprint(r: Revision): string {
  return stableJson({ code: r.codeChecksum, image: r.image?.digest ?? null, config: r.config });
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
