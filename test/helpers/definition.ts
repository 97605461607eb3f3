/**
 * @module
 * Alibaba's own definition of FC 2023-03-30 (reference/fc3-definition/definition.json, the source every official SDK is
 * generated from), read by tests so that a newer definition dropped in shows what changed.
 */
import { readFileSync } from 'node:fs';

export interface FieldDef {
  readonly sdkName: string;
  readonly type: string;
  readonly required: boolean;
  readonly deprecated?: boolean;
  readonly example?: string;
  readonly description?: string;
  /** Read from the description by a heuristic (ranges, steps, enums, defaults). */
  readonly derived?: { min?: number; max?: number; multipleOf?: number; enum?: Array<string | number>; default?: unknown; minLength?: number; maxLength?: number };
}

export interface QueryDef extends FieldDef {
  readonly name: string;
  readonly jsonEncoded: boolean;
}

export interface OperationDef {
  readonly method: string;
  readonly path: string;
  readonly pathParams: string[];
  readonly query: QueryDef[];
  readonly headers: string[];
  readonly body: { model?: string; required?: boolean; inline?: string[] } | null;
  readonly response: string;
}

export interface Definition {
  readonly operations: Record<string, OperationDef>;
  readonly models: Record<string, { fields: Record<string, FieldDef> }>;
}

const DIR = new URL('../../reference/fc3-definition/', import.meta.url);

export const definition: Definition = JSON.parse(readFileSync(new URL('definition.json', DIR), 'utf8')) as Definition;
export const clients = JSON.parse(readFileSync(new URL('clients.json', DIR), 'utf8')) as Record<string, unknown>;
export const errorCatalogue = JSON.parse(readFileSync(new URL('errors.json', DIR), 'utf8')) as {
  codes: Array<{ code: string; status: number | null; source: string[] }>;
};

/** `map<string,X>` → X, `X[]` → X: the model a field's values are, when they are one. */
export function elementType(type: string): string {
  const t = type.endsWith('[]') ? type.slice(0, -2) : type;
  return t.startsWith('map<') ? t.slice(t.indexOf(',') + 1, -1) : t;
}

export const isCollection = (type: string): boolean => type.endsWith('[]') || type.startsWith('map<');
export const isModel = (type: string): boolean => !isCollection(type) && type in definition.models;

export function model(name: string): Record<string, FieldDef> {
  const m = definition.models[name];
  if (!m) throw new Error(`no model ${name} in the definition`);
  return m.fields;
}

/**
 * A body as the Go SDK serialises it: every map and slice field the caller left unset is sent as JSON `null`
 * (json tags without omitempty), in the top-level model and in every nested model the body carries.
 */
export function goShaped(modelName: string, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const [name, field] of Object.entries(model(modelName))) {
    const value = out[name];
    if (value === undefined) {
      if (isCollection(field.type)) out[name] = null;
    } else if (isModel(field.type) && value && typeof value === 'object' && !Array.isArray(value)) {
      out[name] = goShaped(field.type, value as Record<string, unknown>);
    } else if (field.type.endsWith('[]') && isModel(elementType(field.type)) && Array.isArray(value)) {
      out[name] = value.map((v) => (v && typeof v === 'object' ? goShaped(elementType(field.type), v as Record<string, unknown>) : v));
    }
  }
  return out;
}

/** The same body with every optional object-typed field the caller left unset also sent as `null`. */
export function allOptionalNull(modelName: string, body: Record<string, unknown>): Record<string, unknown> {
  const out = goShaped(modelName, body);
  for (const [name, field] of Object.entries(model(modelName))) {
    if (out[name] === undefined && !field.required && isModel(field.type)) out[name] = null;
  }
  return out;
}

export type Facts = NonNullable<FieldDef['derived']>;

/**
 * A field's machine-checkable facts: the definition's heuristic `derived` block, completed from the description where
 * the heuristic missed a stated rule ("Valid values: [0,8]", "in the range of [1, 100]", "up to 2,048 characters",
 * "Valid values: 1 (public) and 0 (private)"). `derived` is a reading of the prose, not the authority: the prose is.
 */
export function facts(field: FieldDef): Facts | undefined {
  const out: { -readonly [K in keyof Facts]: Facts[K] } = { ...(field.derived ?? {}) };
  const text = field.description ?? '';
  const num = (s: string): number => Number(s.replace(/,/g, ''));
  const range = /(?:Valid values|range of|Value range)[^.[]*\[\s*(-?[\d,]+)\s*,\s*(-?[\d,]+)\s*\]/i.exec(text);
  if (range && out.min === undefined && out.max === undefined) Object.assign(out, { min: num(range[1]!), max: num(range[2]!) });
  const length = /up to ([\d,]+) characters/i.exec(text);
  if (length && out.maxLength === undefined && field.type === 'string') out.maxLength = num(length[1]!);
  const pair = /Valid values: (\d+) \([^)]*\) and (\d+) \([^)]*\)/.exec(text);
  if (pair && !out.enum) out.enum = [pair[1]!, pair[2]!];
  const { default: _default, ...rules } = out;
  return Object.keys(rules).length ? out : undefined;
}
