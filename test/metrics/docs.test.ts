// docs/metrics.md documents every metric family exposed, and only those; its PromQL examples
// name existing metrics and labels.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { catalog } from './catalog.ts';
import { type Catalog, checkQuery } from './promql.ts';

const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');

/** Expressions of the ```promql blocks; an indented line continues the one above. */
function examples(): string[] {
  const out: string[] = [];
  for (const block of doc.matchAll(/```promql\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      if (/^\s/.test(line) && out.length > 0) out[out.length - 1] += ` ${line.trim()}`;
      else out.push(line);
    }
  }
  return out;
}

describe('docs/metrics.md', () => {
  let known: Catalog;
  let families: Set<string>;
  before(async () => {
    ({ catalog: known, families } = await catalog());
  });

  it('documents every metric family the exposition has', () => {
    const missing = [...families].filter((f) => !doc.includes(`\`${f}\``));
    assert.deepEqual(missing, []);
  });

  it('documents no gatehouse_ metric that does not exist', () => {
    const named = new Set([...doc.matchAll(/`(gatehouse_[a-z_]+)`/g)].map((m) => m[1]));
    const unknown = [...named].filter((n) => !families.has(n));
    assert.deepEqual(unknown, []);
  });

  it('every PromQL example names existing metrics and labels', () => {
    const all = examples();
    assert.ok(all.length >= 20, `only ${all.length} examples`);
    for (const q of all) assert.deepEqual(checkQuery(q, known), [], q);
  });
});
