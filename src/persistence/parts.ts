/**
 * @module
 * The snapshot parts of each stateful service. Plain JSON stays as it is; code zips become blob keys, so a snapshot
 * of 10,000 functions does not carry their code.
 */
import type { Clock } from '../clock.ts';
import type { FunctionService, FunctionsState } from '../domain/functions.ts';
import type { LayerStore } from '../domain/layers.ts';
import type { ObjectStore } from '../domain/object-store.ts';
import type { FunctionRecord, Revision } from '../domain/model.ts';
import type { VersionsState } from '../domain/versions.ts';
import type { BlobReader, BlobWriter, Persistable } from './persistence.ts';

/** A revision as saved: the zip replaced by its blob key. */
type SavedRevision = Omit<Revision, 'code'> & { code?: { blob: string; checksum: string; size: number } };

async function saveRevision(r: Revision, blobs: BlobWriter): Promise<SavedRevision> {
  const { code, ...rest } = r;
  return code ? { ...rest, code: { blob: await blobs.put(code.zip), checksum: code.checksum, size: code.size } } : rest;
}

async function loadRevision(r: SavedRevision, blobs: BlobReader): Promise<Revision> {
  const { code, ...rest } = r;
  return code ? { ...rest, code: { zip: await blobs.get(code.blob), checksum: code.checksum, size: code.size } } : rest;
}

/** A function with its revisions (saved or live) at `latest`, `serving` and in each version. */
interface FunctionWith<R> {
  readonly record: Omit<FunctionRecord, 'latest' | 'serving'> & { latest: R; serving?: R };
  readonly versions: Omit<VersionsState, 'versions'> & { versions: ReadonlyArray<Omit<VersionsState['versions'][number], 'revision'> & { revision: R }> };
}

type SavedFunction = FunctionWith<SavedRevision>;

/**
 * Revisions are shared between a record's `latest`, `serving` and its versions; each is converted once per function
 * and put back as one object in every place, so "is this the same revision" checks keep working after a restart.
 */
async function convertRevisions<A extends { id: number }, B extends { id: number }>(fn: FunctionWith<A>, convert: (r: A) => Promise<B>): Promise<FunctionWith<B>> {
  const revs = new Map<number, B>();
  const all = [fn.record.latest, ...(fn.record.serving ? [fn.record.serving] : []), ...fn.versions.versions.map((v) => v.revision)];
  for (const r of all) if (!revs.has(r.id)) revs.set(r.id, await convert(r));
  const { serving, latest, ...record } = fn.record;
  return {
    record: { ...record, latest: revs.get(latest.id)!, ...(serving ? { serving: revs.get(serving.id)! } : {}) },
    versions: { ...fn.versions, versions: fn.versions.versions.map((v) => ({ ...v, revision: revs.get(v.revision.id)! })) },
  };
}

export function functionsPart(functions: FunctionService): Persistable {
  return {
    persistKey: 'functions',
    async exportState(blobs) {
      const state = functions.exportState();
      const saved: SavedFunction[] = [];
      for (const fn of state.functions) saved.push(await convertRevisions(fn, (r) => saveRevision(r, blobs)));
      return { revisionCounter: state.revisionCounter, functions: saved };
    },
    async importState(raw, blobs) {
      const state = raw as { revisionCounter: number; functions: SavedFunction[] };
      const restored: Array<FunctionsState['functions'][number]> = [];
      for (const fn of state.functions) restored.push(await convertRevisions(fn, (r) => loadRevision(r, blobs)));
      await functions.importState({ revisionCounter: state.revisionCounter, functions: restored });
    },
  };
}

/** A service whose state is plain JSON already. */
export function plainPart<S>(persistKey: string, service: { exportState(): S; importState(state: S): void }): Persistable {
  return {
    persistKey,
    exportState: async () => service.exportState(),
    importState: async (state) => service.importState(state as S),
  };
}

/** The manual clock's time, so timestamps keep moving forward across a restart; the real clock needs nothing. */
export function clockPart(clock: Clock): Persistable {
  return {
    persistKey: 'clock',
    exportState: async () => ({ now: clock.now() }),
    async importState(raw) {
      const { now } = raw as { now: number };
      if (clock.kind === 'manual' && now > clock.now()) await clock.advance(now - clock.now());
    },
  };
}

/**
 * A store whose state is a list of groups, each holding a list of items with bytes in one field (layers → versions →
 * zip, buckets → objects → body): the bytes move to blobs, the rest stays JSON.
 */
function groupedBlobsPart<S>(persistKey: string, store: { exportState(): S; importState(state: S): void }, itemsKey: string, bytesKey: string): Persistable {
  type Item = Record<string, unknown>;
  type Group = Record<string, unknown>;
  return {
    persistKey,
    async exportState(blobs) {
      const saved: Group[] = [];
      for (const group of store.exportState() as unknown as Group[]) {
        const items: Item[] = [];
        for (const { [bytesKey]: bytes, ...rest } of group[itemsKey] as Item[]) items.push({ ...rest, blob: await blobs.put(bytes as Buffer) });
        saved.push({ ...group, [itemsKey]: items });
      }
      return saved;
    },
    async importState(raw, blobs) {
      const state = await Promise.all(
        (raw as Group[]).map(async (group) => ({ ...group, [itemsKey]: await Promise.all((group[itemsKey] as Item[]).map(async ({ blob, ...rest }) => ({ ...rest, [bytesKey]: await blobs.get(blob as string) }))) })),
      );
      store.importState(state as unknown as S);
    },
  };
}

/** Layer versions, their zips moved to blobs. */
export function layersPart(layers: LayerStore): Persistable {
  return groupedBlobsPart('layers', layers, 'versions', 'zip');
}

/** localfc's OSS: buckets with their objects, each body moved to a blob. */
export function objectsPart(objects: ObjectStore): Persistable {
  return groupedBlobsPart('objects', objects, 'objects', 'body');
}
