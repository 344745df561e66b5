/** Writes the OpenAPI document (built from the route table) to the file given, for the linters. */
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../src/api/openapi.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/write-openapi.ts <file.json>');
writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
