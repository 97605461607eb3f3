/**
 * The domain owns its ports: no file under src/domain imports the backends or the HTTP layer (design.md, "backends
 * behind a port the domain owns"). The imports are read with TypeScript's own pre-processor, so a dynamic import() or
 * an `export … from` counts as much as a static import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Every relative module a file names, resolved to a path under src/. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.')).map((name) => resolve(dirname(file), name));
}

/** The files under src/domain that import from one of `forbidden` (folders of src/), as `file -> import` lines. */
function domainImportsOf(forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of tsFilesUnder(join(src, 'domain'))) {
    for (const target of importsOf(file)) {
      const top = relative(src, target).split(sep)[0];
      if (forbidden.includes(top!)) found.push(`${relative(src, file)} -> ${relative(src, target)}`);
    }
  }
  return found;
}

test('no file in src/domain imports src/backends or src/api', () => {
  assert.deepEqual(domainImportsOf(['backends', 'api']), []);
});

test('the scan sees imports (it finds the domain importing its own clock)', () => {
  // Guards against a scan that passes because it reads nothing: src/clock.ts sits beside domain/ and the domain uses it.
  assert.ok(domainImportsOf(['clock.ts']).length > 0);
});
