import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackendGroups, type CompiledBackend, pickEndpoint, pickGroup } from './balancer.ts';

function backend(key: string, endpoints: number): CompiledBackend {
  return {
    key,
    backend: {
      namespace: 'ns',
      service: key,
      protocol: 'HTTP',
      endpoints: [],
      balancer: { type: 'RoundRobin' },
    },
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      origin: `http://10.0.0.${i}:80`,
      pool: {} as never,
      terminating: false,
    })),
    next: 0,
  };
}

function groups(weights: number[]): BackendGroups {
  const backends = weights.map((_, i) => backend(`b${i}`, 1));
  return { backends, weights, current: weights.map(() => 0), total: weights.reduce((a, b) => a + b, 0) };
}

describe('balancing', () => {
  it('round robin visits every endpoint once per cycle', () => {
    const b = backend('svc', 3);
    const picks = Array.from({ length: 6 }, () => pickEndpoint(b)!.origin);
    assert.deepEqual(picks, [...b.endpoints.map((e) => e.origin), ...b.endpoints.map((e) => e.origin)]);
  });

  it('a backend without endpoints yields none (the proxy answers 503)', () => {
    assert.equal(pickEndpoint(backend('svc', 0)), undefined);
  });

  it('weighted groups split exactly by weight over a cycle of total picks', () => {
    const g = groups([90, 10]);
    const counts = [0, 0];
    for (let i = 0; i < 100; i++) counts[Number(pickGroup(g)!.key.slice(1))]++;
    assert.deepEqual(counts, [90, 10]);
  });

  it('a 90/10 split interleaves: the small group is never starved for a long run', () => {
    const g = groups([90, 10]);
    const picks = Array.from({ length: 100 }, () => pickGroup(g)!.key);
    const firstSmall = picks.indexOf('b1');
    assert.ok(firstSmall >= 0 && firstSmall < 12, `first pick of the 10% group at ${firstSmall}`);
  });

  it('weight 0 keeps a group but sends it nothing; all-zero weights yield none', () => {
    const g = groups([1, 0]);
    for (let i = 0; i < 10; i++) assert.equal(pickGroup(g)!.key, 'b0');
    assert.equal(pickGroup(groups([0, 0])), undefined);
    assert.equal(pickGroup(groups([0])), undefined);
  });
});
