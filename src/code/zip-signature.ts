/**
 * @module
 * Whether bytes can be a zip at all, by their first signature: small and on its own, since the simulated backend
 * checks it at every preparation and the zip reader (zip.ts) is loaded only by backends that unpack.
 */

/**
 * Why a code package cannot be a zip at all, if it cannot: it neither starts with a local file header nor is an empty
 * archive's lone end record. Checked when a backend prepares it: FC accepts such a package at CreateFunction.
 */
export function notAZip(buf: Uint8Array): string | undefined {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const signature = view.length >= 22 ? view.readUInt32LE(0) : 0;
  return signature === 0x04034b50 || signature === 0x06054b50 ? undefined : 'not a zip archive';
}
