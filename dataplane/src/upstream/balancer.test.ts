import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackendGroups, pickEndpoint, pickGroup } from './balancer.ts';
import { backendOf, endpoints } from './test-endpoints.ts';

function backend(key: string, n: number) {
  return backendOf(key, endpoints(n));
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

  it('round robin steps past an ejected endpoint and past endpoints already tried', () => {
    const b = backend('svc', 3);
    b.endpoints[1].health.ejectedUntil = performance.now() + 60_000;
    const picks = Array.from({ length: 4 }, () => pickEndpoint(b)!.origin);
    assert.deepEqual(
      picks,
      [b.endpoints[0], b.endpoints[2], b.endpoints[0], b.endpoints[2]].map((e) => e.origin),
    );
    assert.equal(pickEndpoint(b, undefined, undefined, [b.endpoints[0]]), b.endpoints[2]);
    assert.equal(pickEndpoint(b, undefined, undefined, [b.endpoints[0], b.endpoints[2]]), b.endpoints[1]);
    assert.equal(pickEndpoint(b, undefined, undefined, b.endpoints), undefined);
  });

  it('when every endpoint is ejected, they are used anyway (panic) rather than answering 503', () => {
    const b = backend('svc', 2);
    for (const e of b.endpoints) e.health.ejectedUntil = performance.now() + 60_000;
    assert.ok(pickEndpoint(b) !== undefined);
  });

  it('an ejection whose time is up is over: the endpoint is picked again', () => {
    const b = backend('svc', 2);
    b.endpoints[0].health.ejectedUntil = performance.now() - 1;
    const picks = new Set(Array.from({ length: 4 }, () => pickEndpoint(b)!.origin));
    assert.equal(picks.size, 2);
    assert.equal(b.endpoints[0].health.ejectedUntil, 0);
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
