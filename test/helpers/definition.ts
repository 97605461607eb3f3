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
