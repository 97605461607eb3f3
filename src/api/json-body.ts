/**
 * @module
 * Request bodies of the FC API: JSON, and a field sent as `null` means "not set". The Go SDK (and the tools built on
 * it) serialises every unset map and slice of a request model as `null` (json tags without omitempty), and the cloud
 * treats that as absent; so nulls are dropped before validation, at every depth.
 */
import { z } from '@hono/zod-openapi';

export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { body: { required, content: { 'application/json': { schema: z.preprocess(withoutNulls, schema) } } } };
}

/** The value with every object key whose value is null removed, recursively; null array elements are left to validation. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = withoutNulls(v);
  return out;
}
