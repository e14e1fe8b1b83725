// The catalog accounts for every annotation ingress-nginx v1.15 documents, exactly once, and flags
// every access-restricting family (ingress-nginx annotations.md; testdata/ holds the key list).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CATALOG, catalogEntry, restricts } from './catalog.ts';
import { withCatalogTable } from './table.ts';

const documented = readFileSync(
  new URL('./testdata/ingress-nginx-v1.15-annotations.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

describe('annotation catalog', () => {
  test('the documented list is the one checked in (130 keys, none twice)', () => {
    assert.equal(documented.length, 130);
    assert.equal(new Set(documented).size, documented.length);
  });

  test('every documented key is in the catalog exactly once', () => {
    const missing = documented.filter((k) => !CATALOG.some((e) => e.key === k));
    assert.deepEqual(missing, []);
    const twice = CATALOG.map((e) => e.key).filter((k, i, all) => all.indexOf(k) !== i);
    assert.deepEqual(twice, []);
  });

  test('every entry has a family, a note and a reference, and a status the README can state', () => {
    for (const e of CATALOG) {
      assert.ok(e.family !== '' && e.note !== '' && e.reference !== '', e.key);
      assert.ok(['supported', 'difference', 'refused', 'pending'].includes(e.status), e.key);
    }
  });

  const restrictingFamilies: Array<{ rule: string; keys: (k: string) => boolean }> = [
    {
      rule: 'auth-* (basic, external, client certificates, auth snippets)',
      keys: (k) => k.startsWith('auth-'),
    },
    { rule: '*-source-range', keys: (k) => k.endsWith('-source-range') },
    { rule: 'limit-*', keys: (k) => k.startsWith('limit-') },
    {
      rule: 'global-rate-limit* (removed in v1.12, still meant a limit)',
      keys: (k) => k.startsWith('global-rate-limit'),
    },
    { rule: 'satisfy', keys: (k) => k === 'satisfy' },
    {
      rule: 'snippets that may hold deny/allow',
      keys: (k) => ['configuration-snippet', 'server-snippet', 'modsecurity-snippet'].includes(k),
    },
  ];
  for (const f of restrictingFamilies) {
    test(`${f.rule} restricts access`, () => {
      const keys = CATALOG.filter((e) => f.keys(e.key));
      assert.ok(keys.length > 0);
      assert.deepEqual(
        keys.filter((e) => !e.restrictsAccess).map((e) => e.key),
        [],
      );
    });
  }

  test('the documented aliases of restricting keys restrict too', () => {
    for (const k of ['allowlist-source-range', 'limit-allowlist'])
      assert.equal(catalogEntry(k)?.restrictsAccess, true, k);
  });

  const values: Array<{ key: string; value: string; restricts: boolean }> = [
    { key: 'whitelist-source-range', value: '10.0.0.0/8', restricts: true },
    { key: 'whitelist-source-range', value: '', restricts: false },
    { key: 'whitelist-source-range', value: '  ', restricts: false },
    { key: 'whitelist-source-range', value: 'not-a-cidr', restricts: true },
    { key: 'auth-tls-verify-client', value: 'on', restricts: true },
    { key: 'auth-tls-verify-client', value: 'Off', restricts: false },
    { key: 'auth-tls-pass-certificate-to-upstream', value: 'false', restricts: false },
    { key: 'auth-tls-pass-certificate-to-upstream', value: 'true', restricts: true },
    { key: 'limit-rps', value: '0', restricts: false },
    { key: 'limit-rps', value: '5', restricts: true },
    { key: 'enable-cors', value: 'true', restricts: false },
    { key: 'rewrite-target', value: '/', restricts: false },
  ];
  for (const v of values) {
    test(`${v.key}: "${v.value}" ${v.restricts ? 'restricts' : 'restricts nothing'}`, () => {
      const entry = catalogEntry(v.key);
      assert.ok(entry);
      assert.equal(restricts(entry, v.value), v.restricts);
    });
  }

  test("README's migration table is the one the catalog generates (node scripts/annotations-table.ts)", () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    assert.equal(
      readme,
      withCatalogTable(readme),
      'README.md is stale: run node scripts/annotations-table.ts',
    );
  });
});
