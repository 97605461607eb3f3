// Builds the localfc-test/* images without a registry by importing hand-made rootfs tarballs (npx tsx scripts/make-test-images.ts [--force]).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DockerError } from '../src/backends/docker/engine.ts';
import { ImageEngine } from '../test/helpers/image-engine.ts';
import { TarWriter } from '../test/helpers/tar.ts';

export const BUSYBOX_IMAGE = 'localfc-test/busybox:latest';
export const NODE_IMAGE = 'localfc-test/node:20';
/** Stands in for the official node image as the Dockerfile's BASE_IMAGE: node, npm and a `node` user (uid 1000). */
export const NODE_NPM_IMAGE = 'localfc-test/node-npm:20';
/** The CA bundle npm on this host trusts (its registry may sit behind a TLS proxy); copied into the npm image. */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The static busybox from busybox-static; a dynamic one would need its libraries in the image too. */
export function findStaticBusybox(): string {
  const path = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!path) throw new Error('busybox not found: apt-get install -y --no-install-recommends busybox-static');
  if (!lddOutput(path).includes('not a dynamic executable')) {
    throw new Error(`${path} is dynamically linked: install busybox-static`);
  }
  return path;
}

function lddOutput(path: string): string {
  try {
    return execFileSync('ldd', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // ldd exits 1 for static binaries and prints the verdict on stdout or stderr depending on the libc.
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
}

/** Absolute paths of the shared libraries (and the ELF interpreter) `ldd` reports for a binary. */
export function sharedLibraries(binary: string): string[] {
  const libs = new Set<string>();
  for (const line of lddOutput(binary).split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"; vdso has no path.
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs];
}

/** /bin with busybox and one symlink per applet, plus the few directories and files every image needs. */
export async function busyboxRootfs(tar = new TarWriter(), users: { passwd: string[]; group: string[] } = { passwd: [], group: [] }): Promise<TarWriter> {
  const busybox = findStaticBusybox();
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const dir of ['bin', 'etc', 'root', 'usr', 'usr/bin', 'usr/local', 'usr/local/bin']) tar.addDirectory(dir);
  tar.addDirectory('tmp', { mode: 0o1777 });
  await tar.addFromDisk(busybox, 'bin/busybox', { mtime: new Date(0) });
  for (const applet of applets) tar.addSymlink(`bin/${applet}`, 'busybox');
  tar.addFile('etc/passwd', ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false', ...users.passwd, ''].join('\n'));
  tar.addFile('etc/group', ['root:x:0:', 'nogroup:x:65534:', ...users.group, ''].join('\n'));
  return tar;
}

/** busybox plus node at /usr/bin/node and every library it links against, at the same paths as on this host. */
export async function nodeRootfs(tar?: TarWriter): Promise<TarWriter> {
  tar = tar ?? (await busyboxRootfs());
  const node = existsSync('/usr/bin/node') ? '/usr/bin/node' : await realpath(process.execPath);
  for (const path of [node, ...sharedLibraries(node)]) {
    // Copy the content (following symlinks such as /lib64 -> usr/lib64) to the path the loader will ask for.
    const archivePath = path.replace(/^\//, '');
    if (tar.has(archivePath)) continue;
    tar.addParents(archivePath);
    await tar.addFromDisk(await realpath(path), archivePath, { mtime: new Date(0) });
  }
  if (!tar.has('usr/bin/node')) tar.addSymlink('usr/bin/node', `/${node.replace(/^\//, '')}`);
  return tar;
}

/** nodeRootfs plus npm (from this host's node installation), the CA bundle, and a `node` user as in the official image. */
export async function nodeNpmRootfs(): Promise<TarWriter> {
  const tar = await nodeRootfs(await busyboxRootfs(new TarWriter(), { passwd: ['node:x:1000:1000::/home/node:/bin/sh'], group: ['node:x:1000:'] }));
  const npmCli = await realpath(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const npmDir = dirname(dirname(npmCli)); // …/node_modules/npm/bin/npm-cli.js
  tar.addParents('usr/lib/node_modules/npm');
  await tar.addFromDisk(npmDir, 'usr/lib/node_modules/npm', { mtime: new Date(0) });
  tar.addSymlink('usr/bin/npm', '../lib/node_modules/npm/bin/npm-cli.js');
  tar.addSymlink('usr/bin/env', '/bin/busybox'); // npm-cli.js starts with #!/usr/bin/env node
  tar.addDirectory('home');
  tar.addDirectory('home/node', { uid: 1000, gid: 1000 });
  if (existsSync(CA_BUNDLE)) {
    tar.addParents(CA_BUNDLE.slice(1));
    await tar.addFromDisk(await realpath(CA_BUNDLE), CA_BUNDLE.slice(1), { mtime: new Date(0) });
  }
  return tar;
}

export interface ImageSpec { ref: string; build: () => Promise<TarWriter>; changes: string[] }

export const IMAGES: ImageSpec[] = [
  { ref: BUSYBOX_IMAGE, build: () => busyboxRootfs(), changes: ['CMD ["sh"]'] },
  { ref: NODE_IMAGE, build: () => nodeRootfs(), changes: ['CMD ["node"]', 'ENV NODE_ENV=production'] },
  {
    ref: NODE_NPM_IMAGE,
    build: () => nodeNpmRootfs(),
    changes: ['CMD ["node"]', ...(existsSync(CA_BUNDLE) ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`, `ENV npm_config_cafile=${CA_BUNDLE}`] : [])],
  },
];

/** Imports one image unless it already exists (or `force`); returns a one-line summary. */
export async function makeImage(engine: ImageEngine, spec: ImageSpec, force: boolean): Promise<string> {
  const t0 = performance.now();
  const secs = (): string => `${((performance.now() - t0) / 1000).toFixed(2)}s`;
  const existing = await engine.inspectImage(spec.ref);
  if (existing && !force) return `${spec.ref} ${existing.id} exists (skipped, ${secs()})`;
  const tar = (await spec.build()).toBuffer();
  const built = secs();
  const [repo, tag] = spec.ref.split(':') as [string, string];
  const { id } = await engine.importImage(tar, repo, tag, { changes: spec.changes });
  // The replaced image is now untagged; drop it unless a container still uses it.
  if (existing && existing.id !== id) await engine.removeImage(existing.id).catch(() => undefined);
  return `${spec.ref} ${id} imported in ${secs()} (tar ${(tar.length / 1e6).toFixed(1)} MB built in ${built})`;
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const engine = new ImageEngine();
  try {
    await engine.ping();
    for (const spec of IMAGES) console.log(await makeImage(engine, spec, force));
  } catch (e) {
    console.error(`make-test-images: ${e instanceof DockerError || e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  } finally {
    await engine.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
