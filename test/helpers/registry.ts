/**
 * @module
 * A tiny read-only Docker Registry (HTTP API v2) on 127.0.0.1, so tests can watch the engine pull for real: the engine
 * treats 127.0.0.0/8 registries as insecure and talks plain HTTP to them. It serves schema2 images built from rootfs
 * tarballs, lets a test re-point a tag (as a push would), and logs every request.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** The registry's platform is the engine's: an arm64 host would refuse an amd64 image it cannot run. */
const ARCH = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

/** A compressed layer: its blob digest, and the diff_id (digest of the uncompressed tar) the image config lists. */
export interface Layer { readonly blob: Buffer; readonly digest: string; readonly diffId: string }

export interface RegistryImage {
  /** The config's digest: the image id once the engine has pulled it. */
  readonly id: string;
  /** The manifest's digest: what the engine records as the repo digest (`repo@<digest>`). */
  readonly digest: string;
  readonly manifest: Buffer;
  readonly blobs: ReadonlyMap<string, Buffer>;
}

/** Gzips a rootfs tarball into a layer (level 1: ~1 s for the ~100 MB node rootfs, level 6 takes twice as long). */
export async function layerOf(tar: Buffer): Promise<Layer> {
  const blob = await promisify(gzip)(tar, { level: 1 });
  return { blob, digest: sha256(blob), diffId: sha256(tar) };
}

/** A one-layer image: its config (Cmd, Env) and schema2 manifest. Images made from one layer share that blob. */
export function imageOf(layer: Layer, config: { cmd: string[]; env?: string[] }): RegistryImage {
  const configJson = Buffer.from(JSON.stringify({
    architecture: ARCH, os: 'linux', created: new Date(0).toISOString(),
    config: { Cmd: config.cmd, Env: config.env ?? [] },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
  }));
  const configDigest = sha256(configJson);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: configJson.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.blob.length, digest: layer.digest }],
  }));
  return { id: configDigest, digest: sha256(manifest), manifest, blobs: new Map([[configDigest, configJson], [layer.digest, layer.blob]]) };
}

export class TestRegistry {
  /** `METHOD /path` of every request, in order. */
  readonly requests: string[] = [];
  readonly #tags = new Map<string, RegistryImage>(); // `name:tag` → image
  readonly #manifests = new Map<string, Buffer>(); // `name@digest` → manifest
  readonly #blobs = new Map<string, Buffer>(); // digest → content (shared by every repository)

  private constructor(private readonly server: Server, readonly host: string) {}

  /** Listens on a free port of 127.0.0.1; `host` is `127.0.0.1:<port>`, the prefix of the images' names. */
  static async start(): Promise<TestRegistry> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = new TestRegistry(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => registry.#handle(req.method ?? 'GET', req.url ?? '/', res));
    return registry;
  }

  /** Points `name:tag` at `image` (a push): the first time, or to another image, overwriting the tag. */
  serve(name: string, tag: string, image: RegistryImage): void {
    this.#tags.set(`${name}:${tag}`, image);
    this.#manifests.set(`${name}@${image.digest}`, image.manifest);
    for (const [digest, blob] of image.blobs) this.#blobs.set(digest, blob);
  }

  /** How many requests asked for a path containing `part` (e.g. `/manifests/v1`). */
  count(part: string): number {
    return this.requests.filter((r) => r.includes(part)).length;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #handle(method: string, url: string, res: ServerResponse): void {
    this.requests.push(`${method} ${url}`);
    const send = (status: number, body: Buffer, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-length': String(body.length), 'docker-distribution-api-version': 'registry/2.0', ...headers });
      res.end(method === 'HEAD' ? undefined : body);
    };
    const unknown = (code: string, message: string): void => send(404, Buffer.from(JSON.stringify({ errors: [{ code, message, detail: url }] })), { 'content-type': 'application/json' });
    if (url === '/v2/' || url === '/v2') return send(200, Buffer.from('{}'), { 'content-type': 'application/json' });
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (!m || (method !== 'GET' && method !== 'HEAD')) return unknown('UNSUPPORTED', 'this test registry only serves pulls');
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'blobs') {
      const blob = this.#blobs.get(ref);
      return blob ? send(200, blob, { 'content-type': 'application/octet-stream', 'docker-content-digest': ref }) : unknown('BLOB_UNKNOWN', 'blob unknown to registry');
    }
    const manifest = ref.startsWith('sha256:') ? this.#manifests.get(`${name}@${ref}`) : this.#tags.get(`${name}:${ref}`)?.manifest;
    if (!manifest) return unknown('MANIFEST_UNKNOWN', 'manifest unknown');
    send(200, manifest, { 'content-type': MANIFEST_TYPE, 'docker-content-digest': sha256(manifest) });
  }
}
