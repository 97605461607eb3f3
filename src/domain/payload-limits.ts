/**
 * @module
 * FC's documented invocation payload limits: 32 MB for a synchronous invocation (InvokeFunction, an HTTP trigger) and
 * 128 KB for an asynchronous one (FC FAQ "EntityTooLarge: payload size exceeds maximum allowed size"; HTTP trigger
 * docs "Can I modify the limit on the body size of an HTTP request?"). `maxBodyBytes` may set them lower, never higher.
 */
export const SYNC_PAYLOAD_BYTES = 32 * 1024 * 1024;
export const ASYNC_PAYLOAD_BYTES = 128 * 1024;

export interface PayloadLimits {
  /** A synchronous invocation's request body, and any invocation's response body. */
  readonly sync: number;
  /** An asynchronous invocation's request body. */
  readonly async: number;
}

export function payloadLimits(maxBodyBytes: number): PayloadLimits {
  return { sync: Math.min(maxBodyBytes, SYNC_PAYLOAD_BYTES), async: Math.min(maxBodyBytes, ASYNC_PAYLOAD_BYTES) };
}
