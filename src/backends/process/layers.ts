/**
 * @module
 * A function's layers for the process backend: each layer zip unpacked and merged into the revision's own `opt`
 * directory, which its instances see as FC's `/opt` (code-mount.ts; the search paths are in runtime-env.ts).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DiskLease } from '../../code/disk-budget.ts';
import { escapingLinks } from '../../code/link-resolution.ts';
import { extractZip } from '../../code/zip.ts';
import { type OfficialLayer, officialLayer } from '../../domain/official-layers.ts';
import { BackendError, type LayerSource } from '../../domain/ports/backend.ts';
import { describe, type HostInterpreters } from './interpreters.ts';
import { ReasonCode } from '../../domain/reason-codes.ts';

/** What an official layer's stand-in needs: the function's region, the machine's interpreters, the timeline. */
export interface StandIns {
  readonly region: string;
  readonly interpreters: HostInterpreters;
  readonly log: (message: string) => void;
}

/** Unpacks the layers into `opt` (created, empty without layers); `scratch` is a directory of its own for the work. */
export async function unpackLayers(source: LayerSource | undefined, arns: readonly string[], opt: string, scratch: string, standIns: StandIns, disk?: DiskLease): Promise<void> {
  await mkdir(opt, { recursive: true });
  // FC: a file in the layer configured first wins over the same file in a later one, so merge in order without overwriting.
  // Official layers' stand-ins link out of opt on purpose (to the machine's interpreters): added after the zips, whose
  // merged links must stay inside.
  const officials: OfficialLayer[] = [];
  for (const [i, arn] of arns.entries()) {
    let official: OfficialLayer | undefined;
    try {
      official = officialLayer(arn, standIns.region);
    } catch (e) {
      throw new BackendError(ReasonCode.LayerNotFound, e instanceof Error ? e.message : String(e));
    }
    if (official) {
      officials.push(official);
      continue;
    }
    const zip = source?.zipForArn(arn);
    if (!zip) throw new BackendError(ReasonCode.LayerNotFound, `layer ${arn} does not exist`);
    const dir = join(scratch, `layer-${i}`);
    try {
      await extractZip(zip, dir, disk ? { disk } : {});
      await cp(dir, opt, { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
      // Each layer's links stay inside it; merged, one layer's link can lead through another's out of opt.
      const escaping = await escapingLinks(opt);
      if (escaping.length) throw new Error(`once merged with the layers before it: ${escaping.join('; ')}`);
    } catch (e) {
      throw new BackendError(ReasonCode.InvalidZipFileException, `could not unpack layer ${arn}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  for (const official of officials) await placeOfficial(official, opt, standIns);
}

/**
 * An official runtime layer: its bin directory under /opt, with links to the machine's interpreter standing in. Any
 * other official layer has no files here: the timeline says so, since what the function imports from it is missing.
 */
async function placeOfficial(layer: OfficialLayer, opt: string, o: StandIns): Promise<void> {
  const standIn = layer.standIn;
  if (!standIn) {
    o.log(`official layer ${layer.name}: localfc has none of its files, so /opt holds nothing of it (on FC it would)`);
    return;
  }
  const interpreter = standIn.language === 'nodejs' ? o.interpreters.node() : await o.interpreters.python();
  if (!interpreter) throw new BackendError(ReasonCode.LayerNotFound, `official layer ${layer.name} stands in with the machine's Python, and there is none: install python3 (e.g. apt-get install python3)`);
  const bin = join(opt, standIn.dir, 'bin');
  await mkdir(bin, { recursive: true });
  const names = standIn.language === 'nodejs' ? ['node'] : ['python3', 'python', `python${standIn.wants}`];
  for (const name of names) await symlink(interpreter.path, join(bin, name)).catch(() => undefined);
  if (standIn.language === 'nodejs') {
    // npm and npx beside the node binary, when the machine has them there.
    for (const tool of ['npm', 'npx']) if (existsSync(join(dirname(interpreter.path), tool))) await symlink(join(dirname(interpreter.path), tool), join(bin, tool)).catch(() => undefined);
  }
  const same = interpreter.version === standIn.wants || interpreter.version.startsWith(`${standIn.wants}.`);
  o.log(`official layer ${layer.name} (/opt/${standIn.dir}) stands in with ${describe(standIn.language, interpreter)}${same ? '' : `, not ${standIn.language === 'nodejs' ? 'Node.js' : 'Python'} ${standIn.wants}`}`);
}
