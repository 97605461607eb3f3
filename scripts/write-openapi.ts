/**
 * @module
 * Writes the OpenAPI 3.1 document generated from the route schemas to openapi/localfc.json (committed; a test checks it is current).
 */
import { writeFileSync } from 'node:fs';
import { openapiDocument } from '../src/openapi.ts';

const path = new URL('../openapi/localfc.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(await openapiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${path.pathname}\n`);
