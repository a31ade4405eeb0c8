import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRenderedMatrix } from './render';

/** `npm run access-model`: rewrites the generated part of the written access model from the code. */
const path = join(__dirname, '..', '..', 'docs', 'security', 'access-model.md');
writeFileSync(path, withRenderedMatrix(readFileSync(path, 'utf8')));
console.log(`updated ${path}`);
