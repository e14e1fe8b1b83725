// Writes the annotation catalog's table into README.md between its markers:
//   node scripts/annotations-table.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { withCatalogTable } from '../controller/src/translate/annotations/table.ts';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withCatalogTable(readFileSync(readme, 'utf8')));
