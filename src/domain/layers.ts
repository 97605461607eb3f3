/**
 * @module
 * Layer versions: a zip, its CRC-64 checksum and metadata per (layer name, version). Versions count up per layer and
 * are never reused, even after a delete. The store is also the backends' LayerSource (zip by ARN).
 */
import type { LayerSource } from './ports/backend.ts';
import type { Clock } from '../clock.ts';
import { crc64 } from '../code/crc64.ts';
import { errors } from './errors.ts';
import { OFFICIAL_LAYER_ARN, type OfficialLayer, officialLayer } from './official-layers.ts';
import { DEFAULT_PAGE_SIZE, pageByKey, takePage } from './paging.ts';

export interface LayerVersion {
  readonly layerName: string;
  readonly version: number;
  readonly layerVersionArn: string;
  readonly description: string;
  readonly license: string;
  readonly compatibleRuntime: readonly string[];
  readonly codeChecksum: string;
  readonly codeSize: number;
  readonly createdAt: number;
  /** `0` private, `1` public (PutLayerACL); per layer, shown on every version. */
  readonly acl: string;
  readonly zip: Buffer;
}

export interface CreateLayerInput {
  readonly zip: Buffer;
  readonly description?: string;
  readonly license?: string;
  readonly compatibleRuntime?: readonly string[];
}

export type LayersState = ReadonlyArray<{ layerName: string; lastVersion: number; acl: string; versions: ReadonlyArray<Omit<LayerVersion, 'acl'>> }>;

interface LayerEntry {
  lastVersion: number;
  acl: string;
  readonly versions: Map<number, Omit<LayerVersion, 'acl'>>;
}

export const LAYER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ARN = /^acs:fc:([^:]*):([^:]*):layers\/([^/]+)\/versions\/(\d+)$/;

export class LayerStore implements LayerSource {
  readonly #layers = new Map<string, LayerEntry>();

  constructor(private readonly deps: { readonly clock: Clock; readonly region: string; readonly accountId: string }) {}

  /** Persistence: every layer with its versions (zips included; persistence moves them to blobs). */
  exportState(): LayersState {
    return [...this.#layers].map(([layerName, e]) => ({ layerName, lastVersion: e.lastVersion, acl: e.acl, versions: [...e.versions.values()] }));
  }

  importState(state: LayersState): void {
    for (const l of state) this.#layers.set(l.layerName, { lastVersion: l.lastVersion, acl: l.acl, versions: new Map(l.versions.map((v) => [v.version, v])) });
  }

  create(layerName: string, input: CreateLayerInput): LayerVersion {
    if (!LAYER_NAME.test(layerName)) throw errors.invalidArgument(`invalid layerName '${layerName}': 1-64 letters, digits, underscores and hyphens`);
    let entry = this.#layers.get(layerName);
    if (!entry) {
      entry = { lastVersion: 0, acl: '0', versions: new Map() };
      this.#layers.set(layerName, entry);
    }
    const version = ++entry.lastVersion;
    entry.versions.set(version, {
      layerName,
      version,
      layerVersionArn: `acs:fc:${this.deps.region}:${this.deps.accountId}:layers/${layerName}/versions/${version}`,
      description: input.description ?? '',
      license: input.license ?? '',
      compatibleRuntime: input.compatibleRuntime ?? [],
      codeChecksum: crc64(input.zip),
      codeSize: input.zip.length,
      createdAt: this.deps.clock.now(),
      zip: input.zip,
    });
    return this.get(layerName, version);
  }

  get(layerName: string, version: number): LayerVersion {
    const entry = this.#layers.get(layerName);
    const v = entry?.versions.get(version);
    if (!entry || !v) throw errors.layerNotFound(`'${layerName}' version ${version}`);
    return { ...v, acl: entry.acl };
  }

  getByArn(arn: string): LayerVersion {
    const official = officialLayer(arn, this.deps.region);
    if (official) return officialVersion(arn, official);
    const m = ARN.exec(arn);
    if (!m) throw errors.invalidArgument(`invalid layer version ARN '${arn}': expected acs:fc:<region>:<accountId>:layers/<name>/versions/<n>`);
    if (m[1] !== this.deps.region || m[2] !== this.deps.accountId) throw errors.layerNotFound(`'${arn}'`);
    return this.get(m[3]!, Number(m[4]));
  }

  /** LayerSource: the zip of a layer version ARN, or undefined when there is no such version. */
  zipForArn(arn: string): Buffer | undefined {
    try {
      if (OFFICIAL_LAYER_ARN.test(arn)) return undefined;
      return this.getByArn(arn).zip;
    } catch {
      return undefined;
    }
  }

  delete(layerName: string, version: number): void {
    this.get(layerName, version);
    this.#layers.get(layerName)!.versions.delete(version);
  }

  setAcl(layerName: string, isPublic: boolean): void {
    const entry = this.#layers.get(layerName);
    if (!entry || entry.versions.size === 0) throw errors.layerNotFound(`'${layerName}'`);
    entry.acl = isPublic ? '1' : '0';
  }

  /** ListLayers: the newest version of each layer, by name; nextToken is the next layer's name. */
  list(opts: { prefix?: string; limit?: number; nextToken?: string }): { layers: LayerVersion[]; nextToken?: string } {
    const withVersions = [...this.#layers].filter(([, e]) => e.versions.size > 0).map(([n]) => n);
    const { items, nextToken } = pageByKey(withVersions, (n) => n, opts);
    const layers = items.map((n) => this.get(n, Math.max(...this.#layers.get(n)!.versions.keys())));
    return nextToken ? { layers, nextToken } : { layers };
  }

  /** ListLayerVersions: ascending from startVersion; nextVersion is the first version of the next page. */
  listVersions(layerName: string, opts: { limit?: number; startVersion?: number }): { layers: LayerVersion[]; nextVersion?: number } {
    const entry = this.#layers.get(layerName);
    if (!entry || entry.versions.size === 0) throw errors.layerNotFound(`'${layerName}'`);
    const versions = [...entry.versions.keys()].filter((v) => v >= (opts.startVersion ?? 1)).sort((a, b) => a - b);
    const { items, nextToken } = takePage(versions, opts.limit ?? DEFAULT_PAGE_SIZE, String);
    const layers = items.map((v) => this.get(layerName, v));
    return nextToken === undefined ? { layers } : { layers, nextVersion: Number(nextToken) };
  }

  reset(): void {
    this.#layers.clear();
  }
}

/** What GetLayerVersionByArn and a function's `layers` show for an official layer (localfc has no files of its own for any). */
function officialVersion(arn: string, o: OfficialLayer): LayerVersion {
  const version = Number(OFFICIAL_LAYER_ARN.exec(arn)![3]);
  const standIn = o.standIn ? `stand-in: the machine's own ${o.standIn.language === 'nodejs' ? 'Node.js' : 'Python'}` : 'not available locally: none of its files';
  return { layerName: o.name, version, layerVersionArn: arn, description: `FC official layer ${o.name} (${standIn})`, license: '', compatibleRuntime: [], codeChecksum: '0', codeSize: 0, createdAt: 0, acl: '1', zip: Buffer.alloc(0) };
}
