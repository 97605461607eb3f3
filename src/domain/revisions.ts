/**
 * @module
 * Building a Revision from submitted configuration: code packages are checksummed, container images pinned to a digest.
 */
import type { Clock } from '../clock.ts';
import { crc64 } from '../code/crc64.ts';
import { FcError, errors } from './errors.ts';
import type { FunctionConfig, Revision } from './model.ts';
import { isContainer } from './model.ts';
import { type ImageRegistry, formatResolved, parseImageRef } from './registry.ts';
import { ReasonCode } from './reason-codes.ts';

/** `previous` supplies the code when an update changes only configuration; `progress` hears about an image pull. */
export async function buildRevision(
  deps: { readonly clock: Clock; readonly registry: ImageRegistry },
  id: number,
  config: FunctionConfig,
  zip: Buffer | undefined,
  previous: Revision | undefined,
  progress?: (message: string) => void,
): Promise<Revision> {
  const createdAt = deps.clock.now();
  if (isContainer(config)) {
    const image = config.customContainerConfig?.image;
    if (!image) throw errors.invalidArgument('customContainerConfig.image is required for runtime custom-container');
    const ref = parseImageRef(image);
    let digest: string;
    try {
      digest = await deps.registry.resolve(ref, progress);
    } catch (e) {
      if (e instanceof FcError && e.status === 404) throw errors.invalidArgument(`${e.message}: cannot resolve image '${image}' to a digest`);
      throw e;
    }
    const resolvedImage = { image, digest, resolvedImageUri: formatResolved(ref.repository, digest) };
    return { id, config, image: resolvedImage, codeChecksum: '', codeSize: 0, createdAt };
  }
  const code = zip ? { zip, checksum: crc64(zip), size: zip.length } : previous?.code;
  if (!code) throw errors.invalidArgument('code is required: give code.zipFile (base64 zip) for a code package runtime');
  return { id, config, code, codeChecksum: code.checksum, codeSize: code.size, createdAt };
}

/** Why a revision's pinned image can no longer run (deleted, or its tag moved), or undefined when it still can. */
export async function imageProblem(registry: ImageRegistry, revision: Revision): Promise<{ code: string; reason: string } | undefined> {
  const img = revision.image;
  if (!img) return undefined;
  const ref = parseImageRef(img.image);
  if (!(await registry.exists(ref.repository, img.digest))) {
    return { code: ReasonCode.ImageDeleted, reason: `the image ${img.resolvedImageUri} the function was deployed with has been deleted; update the function with a valid image` };
  }
  if (ref.digest) return undefined;
  // FC records the tag and the digest at deploy: the function holds while that tag still names that digest.
  const now = await registry.currentDigest(ref.repository, ref.tag ?? 'latest');
  if (now === null) {
    return { code: ReasonCode.ImageDeleted, reason: `the tag ${img.image} the function was deployed with no longer exists (its digest ${img.digest} may still be tagged otherwise); update the function with a valid image` };
  }
  if (now && now !== img.digest) {
    return { code: ReasonCode.ImageTagOverwritten, reason: `the tag ${img.image} now points at ${now}, not the digest ${img.digest} recorded at deployment; update the function to deploy the new image` };
  }
  return undefined;
}
