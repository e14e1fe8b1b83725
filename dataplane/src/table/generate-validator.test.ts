import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { declarationPath, generatedPath, generateValidator } from './generate-validator.ts';

it('the checked-in validator is what schema.ts generates now (else run generate-validator.ts)', () => {
  const fresh = generateValidator();
  const hint =
    'schema.ts and the generated validator differ: run node dataplane/src/table/generate-validator.ts';
  assert.equal(readFileSync(generatedPath, 'utf8'), fresh.js, hint);
  assert.equal(readFileSync(declarationPath, 'utf8'), fresh.declaration, hint);
});
