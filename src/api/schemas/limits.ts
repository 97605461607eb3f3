/**
 * @module
 * Ranges, steps and enums as FC's API definition states them (reference/fc3-definition), with messages that state the
 * rule; validationError adds the field and the value it got.
 */
import { z } from '@hono/zod-openapi';

export interface Range {
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly integer?: boolean;
  readonly unit?: string;
}

export function ranged(r: Range) {
  const rule = describeRange(r);
  let schema = r.integer ? z.number({ error: rule }).int(rule) : z.number({ error: rule });
  if (r.min !== undefined) schema = schema.min(r.min, rule);
  if (r.max !== undefined) schema = schema.max(r.max, rule);
  if (r.step !== undefined) schema = schema.multipleOf(r.step, rule);
  return schema;
}

export function describeRange(r: Range): string {
  const bounds =
    r.min !== undefined && r.max !== undefined ? ` from ${r.min} to ${r.max}` : r.min !== undefined ? ` of at least ${r.min}` : r.max !== undefined ? ` of at most ${r.max}` : '';
  return `must be ${r.integer ? 'an integer' : 'a number'}${bounds}${r.step !== undefined ? ` in steps of ${r.step}` : ''}${r.unit ? ` (${r.unit})` : ''}`;
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

export function oneOfNumbers<const T extends readonly [number, ...number[]]>(values: T, unit?: string) {
  return z.literal(values, { error: `must be one of ${values.join(', ')}${unit ? ` (${unit})` : ''}` });
}
