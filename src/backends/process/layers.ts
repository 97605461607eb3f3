/**
 * @module
 * A function's layers for the process backend: each layer zip unpacked and merged into the revision's own `opt`
 * directory, which its instances see as FC's `/opt` (code-mount.ts; the search paths are in runtime-env.ts).
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskLease } from '../../code/disk-budget.ts';
import { escapingLinks } from '../../code/link-resolution.ts';
import { extractZip } from '../../code/zip.ts';
import { BackendError, type LayerSource } from '../backend.ts';

/** Unpacks the layers into `opt` (created, empty without layers); `scratch` is a directory of its own for the work. */
export async function unpackLayers(source: LayerSource | undefined, arns: readonly string[], opt: string, scratch: string, disk?: DiskLease): Promise<void> {
  await mkdir(opt, { recursive: true });
  // FC: a file in the layer configured first wins over the same file in a later one, so merge in order without overwriting.
  for (const [i, arn] of arns.entries()) {
    const zip = source?.zipForArn(arn);
    if (!zip) throw new BackendError('LayerNotFound', `layer ${arn} does not exist`);
    const dir = join(scratch, `layer-${i}`);
    try {
      await extractZip(zip, dir, disk ? { disk } : {});
      await cp(dir, opt, { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
      // Each layer's links stay inside it; merged, one layer's link can lead through another's out of opt.
      const escaping = await escapingLinks(opt);
      if (escaping.length) throw new Error(`once merged with the layers before it: ${escaping.join('; ')}`);
    } catch (e) {
      throw new BackendError('InvalidZipFileException', `could not unpack layer ${arn}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
