import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoutePolicySpec } from '../../policy/types.ts';
import { durationMs, policySettings } from './settings.ts';

const spec = (fields: Partial<RoutePolicySpec>): RoutePolicySpec => ({
  targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'web' }],
  ...fields,
});

describe('RoutePolicy fields → route and backend settings', () => {
  it('durations are Gateway API GEP-2257 durations', () => {
    const cases: Array<[string, number]> = [
      ['500ms', 500],
      ['2s', 2000],
      ['1m30s', 90_000],
      ['1h', 3_600_000],
      ['1h1m1s1ms', 3_661_001],
    ];
    for (const [text, ms] of cases) assert.equal(durationMs(text), ms, text);
  });

  it('a zero timeout is refused with its field', () => {
    assert.deepEqual(policySettings(spec({ timeouts: { idle: '0s' } })).problems, [
      { field: 'spec.timeouts.idle', message: '0s is not between 1ms and 24h' },
    ]);
  });

  it('balancer: RoundRobin, LeastRequest, and ConsistentHash on a header, a cookie or the client address', () => {
    const balancer = (b: RoutePolicySpec['balancer']) =>
      policySettings(spec({ balancer: b })).backend.balancer;
    assert.deepEqual(balancer({ type: 'LeastRequest' }), { type: 'LeastRequest' });
    assert.deepEqual(
      balancer({ type: 'ConsistentHash', hashOn: 'Header', hashName: 'x-user', subsetSize: 3 }),
      {
        type: 'ConsistentHash',
        on: 'Header',
        name: 'x-user',
        subsetSize: 3,
      },
    );
    assert.deepEqual(balancer({ type: 'ConsistentHash', hashOn: 'ClientAddress' }), {
      type: 'ConsistentHash',
      on: 'ClientAddress',
    });
  });

  it('balancer fields that contradict each other are refused', () => {
    const problems = (b: RoutePolicySpec['balancer']) =>
      policySettings(spec({ balancer: b })).problems.map((p) => p.field);
    assert.deepEqual(problems({ type: 'ConsistentHash' }), ['spec.balancer.hashOn']);
    assert.deepEqual(problems({ type: 'ConsistentHash', hashOn: 'Cookie' }), ['spec.balancer.hashName']);
    assert.deepEqual(problems({ type: 'ConsistentHash', hashOn: 'ClientAddress', hashName: 'x' }), [
      'spec.balancer.hashName',
    ]);
    assert.deepEqual(problems({ type: 'RoundRobin', subsetSize: 2 }), ['spec.balancer.subsetSize']);
  });

  it("CORS defaults are enable-cors's, credentials off unless asked", () => {
    const { cors } = policySettings(spec({ cors: { allowOrigins: ['*', 'https://a.example'] } })).route;
    assert.deepEqual(cors?.allowOrigins, ['*']);
    assert.equal(cors?.allowCredentials, false);
    assert.equal(cors?.allowMethods, 'GET, PUT, POST, DELETE, PATCH, OPTIONS');
  });

  it('a deny list alone lets everyone else in; an allow list refuses everyone else', () => {
    assert.equal(
      policySettings(spec({ clientAccess: { deny: ['10.0.0.1'] } })).route.clientAccess?.otherwise,
      'allow',
    );
    assert.equal(
      policySettings(spec({ clientAccess: { allow: ['10.0.0.1'] } })).route.clientAccess?.otherwise,
      'deny',
    );
  });

  it('pending fields are listed; restricting ones close', () => {
    const s = policySettings(spec({ hsts: { maxAgeSeconds: 1 }, basicAuth: { secretRef: { name: 'u' } } }));
    assert.deepEqual(s.unsupported.sort(), ['basicAuth', 'hsts']);
    assert.equal(s.closes, true);
    assert.equal(policySettings(spec({ hsts: { maxAgeSeconds: 1 } })).closes, false);
  });
});
