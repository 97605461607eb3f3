/**
 * @module
 * The image registry functions pin digests against. The simulated one maps `repo:tag` to digests in memory;
 * the Docker backend provides another implementation backed by the engine's image store.
 */
import { createHash } from 'node:crypto';
import { errors } from './errors.ts';

export interface ImageRef {
  /** Registry host and path without tag or digest, e.g. `registry.cn-hangzhou.aliyuncs.com/ns/app`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 hex>` when the reference names a digest. */
  readonly digest?: string;
}

export type RegistryEvent =
  | { readonly type: 'pushed'; readonly repository: string; readonly tag: string; readonly digest: string; readonly previous?: string }
  | { readonly type: 'deleted'; readonly repository: string; readonly digest: string; readonly tags: readonly string[] };

export interface ImageRegistry {
  readonly kind: string;
  /**
   * Resolves a reference to the digest it names now; throws FcError (ImageNotFound) when it names nothing.
   * A registry that has to fetch the image first reports how that goes through `progress`.
   */
  resolve(ref: ImageRef, progress?: (message: string) => void): Promise<string>;
  /** Whether a digest still exists in the repository (false once deleted). */
  exists(repository: string, digest: string): Promise<boolean>;
  /** The digest a tag points at now; null once the tag is known to have been removed; undefined when not known. */
  currentDigest(repository: string, tag: string): Promise<string | null | undefined>;
  onChange(listener: (e: RegistryEvent) => void): () => void;
  list(): Promise<Array<{ repository: string; tag?: string; digest: string }>>;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Parses `host/ns/repo:tag`, `repo@sha256:…` or `repo` (tag `latest`), as Docker does. */
export function parseImageRef(image: string): ImageRef {
  const trimmed = image.trim();
  if (!trimmed || /\s/.test(trimmed)) throw errors.invalidArgument(`invalid image reference '${image}'`);
  const at = trimmed.indexOf('@');
  if (at >= 0) {
    const digest = trimmed.slice(at + 1);
    if (!DIGEST.test(digest)) throw errors.invalidArgument(`invalid image digest in '${image}'`);
    const { repository, tag } = splitTag(trimmed.slice(0, at));
    return tag ? { repository, tag, digest } : { repository, digest };
  }
  const { repository, tag } = splitTag(trimmed);
  return { repository, tag: tag ?? 'latest' };
}

function splitTag(s: string): { repository: string; tag?: string } {
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) {
    const tag = s.slice(colon + 1);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw errors.invalidArgument(`invalid image tag '${tag}'`);
    return { repository: s.slice(0, colon), tag };
  }
  return { repository: s };
}

export function formatResolved(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

/** A digest derived from the reference, so the same image has the same digest in every run. */
export function stableDigest(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

export interface RegistryState {
  readonly pushCounter: number;
  readonly repositories: ReadonlyArray<{ repository: string; tags: Array<[string, string]>; digests: string[]; deleted: string[]; deletedTags: string[] }>;
}

interface RepoEntry {
  readonly tags: Map<string, string>;
  readonly digests: Set<string>;
  /** Digests deleted on purpose: never materialised again by the permissive default. */
  readonly deleted: Set<string>;
  readonly deletedTags: Set<string>;
}

/**
 * In-memory registry. Not strict (default): any `repo:tag` exists on first use, with a stable digest.
 * Strict: only what was pushed exists.
 */
export class SimulatedRegistry implements ImageRegistry {
  readonly kind = 'simulated';
  readonly #repos = new Map<string, RepoEntry>();
  readonly #listeners = new Set<(e: RegistryEvent) => void>();
  #pushCounter = 0;

  constructor(private readonly strict = false) {}

  async resolve(ref: ImageRef): Promise<string> {
    const repo = this.#repos.get(ref.repository);
    if (ref.digest) {
      if (repo?.digests.has(ref.digest)) return ref.digest;
      if (!this.strict && !repo?.deleted.has(ref.digest)) {
        this.#entry(ref.repository).digests.add(ref.digest);
        return ref.digest;
      }
      throw errors.imageNotFound(`${ref.repository}@${ref.digest}`);
    }
    const tag = ref.tag ?? 'latest';
    const current = repo?.tags.get(tag);
    if (current) return current;
    if (this.strict || repo?.deletedTags.has(tag)) throw errors.imageNotFound(`${ref.repository}:${tag}`);
    const digest = stableDigest(`${ref.repository}:${tag}`);
    const entry = this.#entry(ref.repository);
    entry.tags.set(tag, digest);
    entry.digests.add(digest);
    return digest;
  }

  async exists(repository: string, digest: string): Promise<boolean> {
    return this.#repos.get(repository)?.digests.has(digest) ?? false;
  }

  async currentDigest(repository: string, tag: string): Promise<string | null | undefined> {
    const repo = this.#repos.get(repository);
    return repo?.deletedTags.has(tag) ? null : repo?.tags.get(tag);
  }

  /** Points a tag at a digest (a new one derived from a counter when none is given), as `docker push` would. */
  push(repository: string, tag: string, digest?: string): { digest: string; previous?: string } {
    if (digest !== undefined && !DIGEST.test(digest)) throw errors.invalidArgument(`digest must look like sha256:<64 hex>, got '${digest}'`);
    const entry = this.#entry(repository);
    const previous = entry.tags.get(tag);
    const next = digest ?? stableDigest(`${repository}:${tag}#push${++this.#pushCounter}`);
    entry.tags.set(tag, next);
    entry.digests.add(next);
    entry.deleted.delete(next);
    entry.deletedTags.delete(tag);
    this.#emit(previous ? { type: 'pushed', repository, tag, digest: next, previous } : { type: 'pushed', repository, tag, digest: next });
    return previous ? { digest: next, previous } : { digest: next };
  }

  /** Deletes an image by tag or digest: the digest and every tag pointing at it disappear. */
  delete(ref: ImageRef): { digest: string; tags: string[] } {
    const entry = this.#repos.get(ref.repository);
    const digest = ref.digest ?? (ref.tag ? entry?.tags.get(ref.tag) : undefined);
    if (!entry || !digest || !entry.digests.has(digest)) {
      throw errors.imageNotFound(`${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`, 'does not exist in the registry');
    }
    const tags = [...entry.tags].filter(([, d]) => d === digest).map(([t]) => t);
    for (const t of tags) {
      entry.tags.delete(t);
      entry.deletedTags.add(t);
    }
    entry.digests.delete(digest);
    entry.deleted.add(digest);
    this.#emit({ type: 'deleted', repository: ref.repository, digest, tags });
    return { digest, tags };
  }

  async list(): Promise<Array<{ repository: string; tag?: string; digest: string }>> {
    const out: Array<{ repository: string; tag?: string; digest: string }> = [];
    for (const [repository, entry] of this.#repos) {
      const tagged = new Set<string>();
      for (const [tag, digest] of entry.tags) {
        out.push({ repository, tag, digest });
        tagged.add(digest);
      }
      for (const digest of entry.digests) if (!tagged.has(digest)) out.push({ repository, digest });
    }
    return out;
  }

  onChange(listener: (e: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  reset(): void {
    this.#repos.clear();
  }

  /** Persistence: repositories with their tags, digests and what was deleted on purpose. */
  exportState(): RegistryState {
    return {
      pushCounter: this.#pushCounter,
      repositories: [...this.#repos].map(([repository, e]) => ({ repository, tags: [...e.tags], digests: [...e.digests], deleted: [...e.deleted], deletedTags: [...e.deletedTags] })),
    };
  }

  importState(state: RegistryState): void {
    this.#pushCounter = state.pushCounter;
    for (const r of state.repositories) {
      this.#repos.set(r.repository, { tags: new Map(r.tags), digests: new Set(r.digests), deleted: new Set(r.deleted), deletedTags: new Set(r.deletedTags) });
    }
  }

  #entry(repository: string): RepoEntry {
    let e = this.#repos.get(repository);
    if (!e) {
      e = { tags: new Map(), digests: new Set(), deleted: new Set(), deletedTags: new Set() };
      this.#repos.set(repository, e);
    }
    return e;
  }

  #emit(e: RegistryEvent): void {
    for (const l of this.#listeners) l(e);
  }
}
