// ingress-nginx annotations.md#satisfy; internal/ingress/annotations/satisfy/main.go ("any" or
// "all" exactly, anything else ""); nginx.tmpl (`satisfy {{ $location.Satisfy }};` only when set).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ingress, reasons, rule, run, service } from '../testkit.ts';
import { parsed } from './testing.ts';

const P = 'nginx.ingress.kubernetes.io';

describe('satisfy', () => {
  const cases: Array<{ value: string; satisfy: 'any' | undefined; invalid: boolean }> = [
    { value: 'any', satisfy: 'any', invalid: false },
    { value: 'all', satisfy: undefined, invalid: false },
    // Compared exactly: nginx would refuse "ANY"; ingress-nginx drops it (satisfy all).
    { value: 'ANY', satisfy: undefined, invalid: true },
    { value: '', satisfy: undefined, invalid: true },
  ];
  for (const c of cases) {
    test(`"${c.value}" is ${c.satisfy ?? 'all (the default)'}${c.invalid ? ', with a Warning' : ''}`, () => {
      const { result, invalid } = parsed({ satisfy: c.value });
      assert.equal(result.route.satisfy, c.satisfy);
      assert.deepEqual(invalid, c.invalid ? [`metadata.annotations["${P}/satisfy"]`] : []);
    });
  }

  test('satisfy any reaches the routes of the Ingress with its source ranges', () => {
    const annotations = { [`${P}/satisfy`]: 'any', [`${P}/whitelist-source-range`]: '10.0.0.0/8' };
    const result = run({
      ingresses: [ingress('app', { rules: [rule('app.example.com', ['/'])] }, { annotations })],
      services: [service('web', [{ port: 80 }])],
    });
    assert.deepEqual(reasons(result), []);
    const route = result.table.hosts[0]!.routes[0]!;
    assert.equal(route.satisfy, 'any');
    assert.ok(route.clientAccess !== undefined);
  });
});
