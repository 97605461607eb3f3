/**
 * One catalogue of reason and instance error codes (src/domain/reason-codes.ts): no file in src/ spells one of its codes
 * as a string of its own, so a code is renamed or looked up in one place. A few files use the same word for something
 * else; each is listed with why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstanceErrorCode, ReasonCode } from '../../src/domain/reason-codes.ts';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const CATALOGUES = new Set(['domain/reason-codes.ts', 'domain/errors.ts']);

/** The same word meaning something else there: `file: codes`. */
const OTHER_MEANINGS: Record<string, readonly string[]> = {
  'api/oss/routes.ts': ['InternalError'], // OSS's own error code (api/oss has its catalogue)
  'api/routes/instances.ts': ['Idle'], // ListInstances' instance status
  'api/routes/layers.ts': ['LayerNotFound'], // the API error the OpenAPI document lists (errors.layerNotFound)
  'admin/ui-page.ts': ['ImageAccessDenied'], // the fault form's example code
  'backends/process/bootstraps.ts': ['HandlerNotFound'], // an error name in the Node.js runtime's own source text
};

const codes = [...new Set([...Object.values(ReasonCode), ...Object.values(InstanceErrorCode)])];

function literalsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  return new Set(codes.filter((code) => new RegExp(`['"\`]${code}['"\`]`).test(text)));
}

const files = readdirSync(src, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts'))
  .map((e) => relative(src, join(e.parentPath, e.name)));

test('no reason or instance error code is spelled out in src/ outside the catalogue', () => {
  const found: string[] = [];
  for (const file of files) {
    if (CATALOGUES.has(file)) continue;
    const allowed = OTHER_MEANINGS[file] ?? [];
    for (const code of literalsIn(join(src, file))) if (!allowed.includes(code)) found.push(`${file}: '${code}'`);
  }
  assert.deepEqual(found, []);
});

test('each listed other meaning is still there (a stale exemption would hide a code)', () => {
  for (const [file, allowed] of Object.entries(OTHER_MEANINGS)) {
    const present = literalsIn(join(src, file));
    for (const code of allowed) assert.ok(present.has(code), `${file} no longer has '${code}': drop it from OTHER_MEANINGS`);
  }
});
