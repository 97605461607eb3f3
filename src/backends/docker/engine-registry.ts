/**
 * @module
 * An ImageRegistry backed by a Docker engine's own image store: a tag resolves to the image's repo digest when it
 * has one for that repository (pulled images), otherwise to its image id (built or imported images). It follows the
 * engine's image events and re-checks every reference it has resolved, so `docker rmi` and `docker tag other x:1`
 * fail the functions pinned to the old image, as a registry change does on the cloud.
 */
import { FcError, errors } from '../../domain/errors.ts';
import type { ImageRef, ImageRegistry, RegistryEvent } from '../../domain/registry.ts';
import { type DockerEngine, DockerError, familiarName, type ImageInfo, layerStatus, parseImageRef as engineRef } from './engine.ts';
import { ReasonCode } from '../../domain/reason-codes.ts';

const IMAGE_EVENTS = ['delete', 'untag', 'tag', 'import', 'pull', 'load'];
const RECONNECT_MS = 2000;

export interface EngineRegistryOptions {
  /** Upper bound for pulling an image that is not in the engine when a function is created (default 2 min). */
  readonly pullTimeoutMs?: number;
}

/** The engine is not there: creating or updating a container function cannot pin an image. */
export function dockerUnavailable(e: unknown): FcError {
  const why = e instanceof Error ? e.message : String(e);
  return new FcError(ReasonCode.DockerUnavailable, 503, `the Docker engine is not reachable, so images cannot be resolved: ${why} (start one, e.g. bash scripts/docker-engine.sh up)`);
}

/** The digest localfc pins for an image: its repo digest in `repository` when pulled from a registry, else its id. */
/** The image a pin names (looked up by repo digest, else by id), if the engine still has it as that pin; engine errors as thrown. */
export async function inspectPinned(engine: DockerEngine, repository: string, pin: string): Promise<ImageInfo | undefined> {
  const pinned = `${repository}@${pin}`;
  const info = (await engine.inspectImage(pinned)) ?? (await engine.inspectImage(pin));
  return info && (info.id === pin || info.repoDigests.some((d) => sameRepository(d, repository) && engineRef(d).tag === pin)) ? info : undefined;
}

/** Whether an engine's "repo:tag" or "repo@digest" is in `repository` (Podman names Docker Hub's images in full). */
const sameRepository = (ref: string, repository: string): boolean => familiarName(engineRef(ref).name) === familiarName(repository);

export function pinOf(info: ImageInfo, repository: string): string {
  const rd = info.repoDigests.find((d) => sameRepository(d, repository));
  return rd ? engineRef(rd).tag : info.id;
}

function inRepository(info: ImageInfo, repository: string): boolean {
  return [...info.repoTags, ...info.repoDigests].some((r) => sameRepository(r, repository));
}

export class EngineRegistry implements ImageRegistry {
  readonly kind = 'docker';
  readonly #engine: DockerEngine;
  readonly #pullTimeoutMs: number;
  readonly #listeners = new Set<(e: RegistryEvent) => void>();
  /** Every `repo:tag` resolved so far → the pin it had when last checked. */
  readonly #tags = new Map<string, { repository: string; tag: string; pin: string | undefined }>();
  /** Pins resolved so far (`repo\0pin`) and whether they existed when last checked. */
  readonly #pins = new Map<string, boolean>();
  /** `repo\0pin` whose tag moved to another image: still counts as existing, so the reason is "overwritten". */
  readonly #superseded = new Set<string>();
  /** `repo:tag` seen naming an image and then gone from the engine (`docker rmi repo:tag`): removed, not just unknown here. */
  readonly #removedTags = new Set<string>();
  readonly #stop = new AbortController();
  #refreshing: Promise<void> | undefined;
  #again = false;

  constructor(engine: DockerEngine, opts: EngineRegistryOptions = {}) {
    this.#engine = engine;
    this.#pullTimeoutMs = opts.pullTimeoutMs ?? 120_000;
    void this.#watch();
  }

  async resolve(ref: ImageRef, progress: (message: string) => void = () => undefined): Promise<string> {
    const name = ref.digest ? `${ref.repository}@${ref.digest}` : `${ref.repository}:${ref.tag ?? 'latest'}`;
    let info = await this.#inspect(name);
    // A pin to an image id: what localfc itself gives as resolvedImageUri for an image built or tagged here (no repo
    // digest), so deploying exactly that must work; the engine finds it by id, and it must be in that repository.
    if (!info && ref.digest) info = await this.#engineCall(() => inspectPinned(this.#engine, ref.repository, ref.digest!)).then((i) => (i && inRepository(i, ref.repository) ? i : undefined));
    if (!info) {
      // Not in the engine: pulling is how a registry would resolve it (no registry reachable → not found).
      try {
        progress(`pulling ${name}`);
        info = await this.#engine.pullImage(name, layerStatus(progress), AbortSignal.timeout(this.#pullTimeoutMs));
      } catch (e) {
        if (e instanceof DockerError && e.kind === 'unreachable') throw dockerUnavailable(e);
        const why = e instanceof DockerError ? (e.engineMessage ?? e.message) : e instanceof Error ? e.message : String(e);
        throw errors.imageNotFound(name, `is not in the Docker engine and could not be pulled (${why})`);
      }
    }
    const pin = ref.digest ?? pinOf(info, ref.repository);
    if (!ref.digest) this.#tags.set(name, { repository: ref.repository, tag: ref.tag ?? 'latest', pin });
    this.#removedTags.delete(name);
    this.#pins.set(`${ref.repository}\0${pin}`, true);
    return pin;
  }

  // exists() and currentDigest() also start following what they are asked about: a function restored from the data
  // directory was pinned by an earlier run, and its image must be followed without resolve() being called again.
  async exists(repository: string, digest: string): Promise<boolean> {
    await this.#refresh().catch(() => undefined);
    const key = `${repository}\0${digest}`;
    const now = await this.#existsNow(repository, digest);
    if (!this.#pins.has(key)) this.#pins.set(key, now);
    return now;
  }

  // A tag the engine lacks was removed only if we saw it go; after a restart it may just not be pulled yet (the
  // preparation pulls repo@digest, which brings no tag).
  async currentDigest(repository: string, tag: string): Promise<string | null | undefined> {
    await this.#refresh().catch(() => undefined);
    const name = `${repository}:${tag}`;
    const info = await this.#inspect(name);
    const pin = info ? pinOf(info, repository) : undefined;
    if (!this.#tags.has(name)) this.#tags.set(name, { repository, tag, pin });
    return pin ?? (this.#removedTags.has(name) ? null : undefined);
  }

  onChange(listener: (e: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The references localfc has resolved and what they point at now. */
  async list(): Promise<Array<{ repository: string; tag?: string; digest: string }>> {
    await this.#refresh();
    return [...this.#tags.values()].flatMap((t) => (t.pin ? [{ repository: t.repository, tag: t.tag, digest: t.pin }] : []));
  }

  /** Stops following the engine's events (the engine client itself belongs to the caller). */
  close(): void {
    this.#stop.abort();
  }

  async #inspect(ref: string): Promise<ImageInfo | undefined> {
    return this.#engineCall(() => this.#engine.inspectImage(ref));
  }

  async #engineCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof DockerError && e.kind === 'unreachable') throw dockerUnavailable(e);
      throw e;
    }
  }

  /** The pin is in the store and still belongs to the repository (or lost its tag to another image). */
  async #existsNow(repository: string, pin: string): Promise<boolean> {
    const info = await this.#engineCall(() => inspectPinned(this.#engine, repository, pin));
    if (!info) return false;
    return inRepository(info, repository) || this.#superseded.has(`${repository}\0${pin}`);
  }

  /** Re-checks every resolved reference against the engine and emits what changed; concurrent calls coalesce. */
  #refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#diff();
        } while (this.#again);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async #diff(): Promise<void> {
    const events: RegistryEvent[] = [];
    for (const [name, t] of this.#tags) {
      const info = await this.#inspect(name);
      const now = info ? pinOf(info, t.repository) : undefined;
      if (now === t.pin) continue;
      // A moved tag keeps its old image "existing" (the reason is the overwrite); a deleted tag takes that back.
      if (t.pin && now) this.#superseded.add(`${t.repository}\0${t.pin}`);
      if (t.pin && !now) this.#superseded.delete(`${t.repository}\0${t.pin}`);
      if (t.pin && !now) this.#removedTags.add(name);
      else this.#removedTags.delete(name);
      events.push(now ? { type: 'pushed', repository: t.repository, tag: t.tag, digest: now, ...(t.pin ? { previous: t.pin } : {}) } : { type: 'deleted', repository: t.repository, digest: t.pin ?? '', tags: [t.tag] });
      this.#tags.set(name, { ...t, pin: now });
    }
    for (const [key, existed] of this.#pins) {
      const [repository = '', pin = ''] = key.split('\0');
      const now = await this.#existsNow(repository, pin);
      if (now === existed) continue;
      this.#pins.set(key, now);
      if (!now) events.push({ type: 'deleted', repository, digest: pin, tags: [] });
    }
    for (const e of events) for (const l of this.#listeners) l(e);
  }

  /** Follows the engine's image events for as long as the registry lives, reconnecting when the engine goes away. */
  async #watch(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        // From the engine's present second: the stream may go live after the refresh below (Podman subscribes late),
        // and the engine replays what happened since.
        const since = Math.floor((await this.#engine.now()) / 1000);
        const stream = await this.#engine.events({ filters: { type: ['image'], event: IMAGE_EVENTS }, since }, () => void this.#refresh().catch(() => undefined), signal);
        // Whatever changed while we were not listening.
        await this.#refresh().catch(() => undefined);
        await stream.done;
      } catch {
        /* engine unreachable: try again later */
      }
      if (signal.aborted) return;
      await new Promise<void>((r) => {
        const t = setTimeout(r, RECONNECT_MS);
        t.unref();
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  }
}
