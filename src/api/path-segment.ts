/**
 * @module
 * Path segments as text for lookups.
 */

/** A path segment decoded; malformed percent-encoding (`%`, `%E0%A4%A`) stays as sent, as hono does for params. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
