import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { RoutePolicy } from './types.ts';
import { validateRoutePolicy } from './validate.ts';

const full = parse(readFileSync(new URL('./testdata/full.yaml', import.meta.url), 'utf8')) as RoutePolicy;

describe('RoutePolicy schema', () => {
  it('accepts a policy using every field (testdata/full.yaml)', () => {
    assert.deepEqual(validateRoutePolicy(full), { ok: true, policy: full });
  });

  it('accepts the smallest policy: one targetRef', () => {
    const policy = {
      apiVersion: 'gatehouse.dev/v1alpha1',
      kind: 'RoutePolicy',
      metadata: { name: 'p', namespace: 'ns' },
      spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'web' }] },
    };
    assert.equal(validateRoutePolicy(policy).ok, true);
  });

  const cases: Array<[string, (spec: Record<string, unknown>) => void, string]> = [
    ['no targetRefs', (s) => delete s.targetRefs, 'spec'],
    ['an empty targetRefs', (s) => (s.targetRefs = []), 'spec.targetRefs'],
    [
      'a targetRef to a Service',
      (s) => (s.targetRefs = [{ group: '', kind: 'Service', name: 'x' }]),
      'spec.targetRefs[0].group',
    ],
    ['an unknown field', (s) => (s.timeout = '5s'), 'spec'],
    ['a duration without unit', (s) => (s.timeouts = { connect: '5' }), 'spec.timeouts.connect'],
    ['a negative retry count', (s) => (s.retry = { attempts: -1 }), 'spec.retry.attempts'],
    ['a redirect status 200', (s) => (s.redirect = { statusCode: 200 }), 'spec.redirect.statusCode'],
    [
      'a header name with a space',
      (s) => (s.responseHeaders = { set: [{ name: 'X A', value: '1' }] }),
      'spec.responseHeaders.set[0].name',
    ],
    [
      'a header value with a newline',
      (s) => (s.requestHeaders = { add: [{ name: 'X', value: 'a\nb' }] }),
      'spec.requestHeaders.add[0].value',
    ],
    ['a path with a query', (s) => (s.paths = ['/a?b']), 'spec.paths[0]'],
    ['a body size as text', (s) => (s.maxRequestBodyBytes = '1m'), 'spec.maxRequestBodyBytes'],
    [
      'a CIDR with a letter outside hex',
      (s) => (s.clientAccess = { allow: ['10.0.0.0/x'] }),
      'spec.clientAccess.allow[0]',
    ],
    [
      'a canary header with an empty value',
      (s) => (s.canary = { backend: { name: 'v2' }, header: { name: 'X-C', value: '' } }),
      'spec.canary.header.value',
    ],
    [
      'a canary cookie name with a ";"',
      (s) => (s.canary = { backend: { name: 'v2' }, cookie: 'a;b' }),
      'spec.canary.cookie',
    ],
    [
      'a canary weight above 100',
      (s) => (s.canary = { backend: { name: 'v2' }, weight: 101 }),
      'spec.canary.weight',
    ],
  ];
  for (const [what, change, field] of cases)
    it(`refuses ${what}, naming the field`, () => {
      const policy = structuredClone(full) as unknown as { spec: Record<string, unknown> };
      change(policy.spec);
      const result = validateRoutePolicy(policy);
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.field, field);
    });
});
