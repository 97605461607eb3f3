/**
 * @module
 * Reads a request body chunk by chunk and gives up as soon as it passes a limit, so an oversized body is never
 * buffered whole. The caller says which error "too large" is (FC's or OSS's).
 */
export async function readLimited(body: ReadableStream<Uint8Array> | null, max: number, tooLarge: () => Error): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
