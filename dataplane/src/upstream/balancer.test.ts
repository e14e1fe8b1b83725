import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackendGroups, pickEndpoint, pickGroup } from './balancer.ts';
import { affinityCookie } from './balancers.ts';
import { backendOf, endpoints } from './test-endpoints.ts';

function backend(key: string, n: number) {
  return backendOf(key, endpoints(n));
}

function groups(weights: number[]): BackendGroups {
  const backends = weights.map((_, i) => backend(`b${i}`, 1));
  return {
    backends,
    weights,
    current: weights.map(() => 0),
    total: weights.reduce((a, b) => a + b, 0),
    sticky: false,
  };
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

// ingress-nginx balancer.lua route_to_alternative_balancer: a request whose affinity cookie was
// issued by one of the route's backends (sticky.lua is_affinitized: the `|backend` part of the
// value) goes to that backend before any header, cookie or weight decision, even at weight 0.
describe('group affinity (affinity-canary-behavior)', () => {
  const sticky = {
    type: 'ConsistentHash',
    on: 'Cookie',
    name: 'INGRESSCOOKIE',
    setCookie: { name: 'INGRESSCOOKIE' },
  } as const;
  function stickyGroups(weights: number[], affinity: boolean[]): BackendGroups {
    const backends = weights.map((_, i) =>
      backendOf(`b${i}`, endpoints(3, i * 10), affinity[i] ? sticky : { type: 'RoundRobin' }),
    );
    return {
      backends,
      weights,
      current: weights.map(() => 0),
      total: weights.reduce((a, b) => a + b, 0),
      sticky: affinity.some((a) => a),
    };
  }
  function cookieFrom(g: BackendGroups, i: number): string {
    const b = g.backends[i];
    const line = affinityCookie(b, {}, { address: '192.0.2.1', requestId: `client-${i}` }, false);
    assert.ok(line !== undefined, 'a sticky backend issues a cookie');
    return line.split(';')[0];
  }

  it('a client pinned to a group stays on it whatever the weights', () => {
    const g = stickyGroups([99, 1], [true, true]);
    const toCanary = cookieFrom(g, 1);
    const toMain = cookieFrom(g, 0);
    for (let i = 0; i < 200; i++) {
      assert.equal(pickGroup(g, { cookie: toCanary })!.key, 'b1');
      assert.equal(pickGroup(g, { cookie: toMain })!.key, 'b0');
    }
  });

  it('a group at weight 0 still takes the clients pinned to it', () => {
    const g = stickyGroups([1, 0], [true, true]);
    const toCanary = cookieFrom(g, 1);
    for (let i = 0; i < 20; i++) assert.equal(pickGroup(g, { cookie: toCanary })!.key, 'b1');
  });

  it('a cookie naming no group of the route, or of the old form, leaves the weights to decide', () => {
    const g = stickyGroups([1, 1], [true, true]);
    for (const cookie of ['INGRESSCOOKIE=abc', 'INGRESSCOOKIE=abc|zzzz', 'other=1']) {
      const picks = new Set(Array.from({ length: 4 }, () => pickGroup(g, { cookie })!.key));
      assert.equal(picks.size, 2, cookie);
    }
  });

  it('a group without affinity (legacy canary) issues no cookie, so its clients are not pinned', () => {
    const g = stickyGroups([1, 1], [true, false]);
    assert.equal(
      affinityCookie(g.backends[1], {}, { address: '192.0.2.1', requestId: 'x' }, false),
      undefined,
    );
    const toMain = cookieFrom(g, 0);
    for (let i = 0; i < 10; i++) assert.equal(pickGroup(g, { cookie: toMain })!.key, 'b0');
  });
});
