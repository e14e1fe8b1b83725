import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SEVERITY, severityOf } from './severity.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every `reason: 'X'` (and PolicyReason member) written in the controller's production code. */
function reasonsRaised(): Set<string> {
  const found = new Set<string>();
  const dirs = ['controller/src/translate', 'controller/src/sources/manifests', 'controller/src/policy'];
  for (const dir of dirs) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      // `reason: 'X'`, `reason === 'X'`; a reason passed to a helper (`warn(o, key, 'X', …)`,
      // `fileDiagnostic(w, 'X', …)`); and one alone on an argument line.
      const patterns = [
        /reason[^'\n]{0,40}'([A-Z][A-Za-z]+)'/g,
        /\b(?:warn|\w*[dD]iagnostic|problem)\([^()\n]*'([A-Z][a-z]+[A-Z][A-Za-z]+)'/g,
        /^\s*'([A-Z][a-z]+[A-Z][A-Za-z]+)',?\s*$/gm,
      ];
      for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.add(m[1]);
    }
  }
  // Condition statuses and the Accepted/ResolvedRefs happy paths are no diagnostics.
  // Condition statuses, the Accepted/ResolvedRefs happy paths and a catalog name are no diagnostics.
  for (const notADiagnostic of ['True', 'False', 'Accepted', 'ResolvedRefs', 'ModSecurity'])
    found.delete(notADiagnostic);
  return found;
}

describe('lint severity', () => {
  test('every reason the controller raises is classified in one table (none defaults silently)', () => {
    const raised = reasonsRaised();
    assert.ok(raised.size > 30, `found only ${raised.size} reasons: the scan is broken`);
    const missing = [...raised].filter((r) => !(r in SEVERITY)).sort();
    assert.deepEqual(missing, []);
  });

  test('traffic not served as written is an error; a setting ignored is a warning', () => {
    const cases: Array<[string, 'error' | 'warning']> = [
      ['RouteConflict', 'error'],
      ['ServiceNotFound', 'error'],
      ['PortNotFound', 'error'],
      ['SecretNotFound', 'error'],
      ['AccessAnnotationNotHonoured', 'error'],
      ['InvalidAccessAnnotation', 'error'],
      ['InvalidYAML', 'error'],
      ['UnknownAnnotation', 'warning'],
      ['UnsupportedAnnotation', 'warning'],
      ['TargetNotFound', 'warning'],
      ['DuplicateObject', 'warning'],
    ];
    for (const [reason, severity] of cases) assert.equal(severityOf(reason), severity, reason);
  });

  test('a reason nobody classified yet fails lint rather than pass unread', () => {
    assert.equal(severityOf('SomethingNew'), 'error');
  });
});
