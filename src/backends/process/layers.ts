/**
 * @module
 * A function's layers for the process backend: each layer zip unpacked and merged into `<codeDir>/.localfc/opt` (FC's
 * `/opt`; a real `/opt` would be shared by every function on the host), and the environment that puts it on the
 * runtimes' search paths as FC does: /opt/nodejs/node_modules on NODE_PATH, /opt/python on PYTHONPATH, /opt/bin on
 * PATH, /opt/lib on LD_LIBRARY_PATH. LOCALFC_OPT_DIR names the directory for code that hard-codes `/opt/...`.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractZip } from '../../code/zip.ts';
import { BackendError, type LayerSource } from '../backend.ts';

/** Unpacks the layers and returns the environment additions (empty without layers). */
export async function unpackLayers(source: LayerSource | undefined, arns: readonly string[], codeDir: string): Promise<Record<string, string>> {
  if (!arns.length) return {};
  const base = join(codeDir, '.localfc');
  const opt = join(base, 'opt');
  await mkdir(opt, { recursive: true });
  // FC: a file in the layer configured first wins over the same file in a later one, so merge in order without overwriting.
  for (const [i, arn] of arns.entries()) {
    const zip = source?.zipForArn(arn);
    if (!zip) throw new BackendError('LayerNotFound', `layer ${arn} does not exist`);
    const dir = join(base, `layer-${i}`);
    try {
      await extractZip(zip, dir);
      await cp(dir, opt, { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
    } catch (e) {
      throw new BackendError('InvalidZipFileException', `could not unpack layer ${arn}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const prepend = (dir: string, current: string | undefined) => (current ? `${dir}:${current}` : dir);
  return {
    LOCALFC_OPT_DIR: opt,
    NODE_PATH: prepend(join(opt, 'nodejs', 'node_modules'), process.env.NODE_PATH),
    PYTHONPATH: prepend(join(opt, 'python'), process.env.PYTHONPATH),
    PATH: prepend(join(opt, 'bin'), process.env.PATH),
    LD_LIBRARY_PATH: prepend(join(opt, 'lib'), process.env.LD_LIBRARY_PATH),
  };
}
