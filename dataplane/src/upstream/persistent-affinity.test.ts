// affinity-mode (ingress-nginx annotations.md#session-affinity; balancer/sticky_balanced.lua,
// sticky_persistent.lua): "balanced" hashes the cookie on a ring, so a scale-up moves some
// sessions to the new endpoints; "persistent" writes the endpoint itself into the cookie, so a
// session moves only when its endpoint is gone (then a new one is picked and the cookie re-issued).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BalancerPolicy, CookieSpec } from '../table/types.ts';
import type { CompiledBackend } from './balancer.ts';
import { affinityCookie, reissuedAffinityCookie } from './balancers.ts';
import { backendOf, endpoints } from './test-endpoints.ts';

const policy = (spec: Partial<CookieSpec>): BalancerPolicy => ({
  type: 'ConsistentHash',
  on: 'Cookie',
  name: 'route',
  setCookie: { name: 'route', ...spec },
});

/** A new client's first request: the endpoint it reached and the cookie its response set. */
function firstVisit(b: CompiledBackend, client: number) {
  const view = { address: '192.0.2.1', requestId: `client-${client}` };
  const endpoint = b.balancer.pick(b.endpoints, {}, view, undefined)!;
  const line = affinityCookie(b, {}, view, false, endpoint);
  assert.ok(line !== undefined, 'a new client gets a cookie');
  return { endpoint, cookie: line.split(';')[0] };
}

function reach(b: CompiledBackend, cookie: string): string {
  return b.balancer.pick(b.endpoints, { cookie }, { address: '192.0.2.1', requestId: 'later' }, undefined)!
    .origin;
}

describe('affinity-mode', () => {
  for (const [mode, persistent] of [
    ['balanced', false],
    ['persistent', true],
  ] as const) {
    it(`${mode}: scaling 4 → 12 endpoints ${persistent ? 'moves no session' : 'moves some sessions to the new endpoints'}`, () => {
      const before = backendOf('ns/svc:80', endpoints(4), policy(persistent ? { persistent } : {}));
      const after = backendOf('ns/svc:80', endpoints(12), policy(persistent ? { persistent } : {}));
      let moved = 0;
      for (let c = 0; c < 100; c++) {
        const { endpoint, cookie } = firstVisit(before, c);
        assert.equal(reach(before, cookie), endpoint.origin, 'pinned before the scale-up');
        if (reach(after, cookie) !== endpoint.origin) moved++;
      }
      // The ring gives the 8 new endpoints about 2/3 of the keys: 100 sessions keep all with
      // probability about (1/3)^100.
      if (persistent) assert.equal(moved, 0);
      else assert.ok(moved > 0, 'balanced mode rebalances');
    });
  }

  it('persistent: a cookie naming a gone endpoint gets a new endpoint and a new cookie naming it', () => {
    const b = backendOf('ns/svc:80', endpoints(6), policy({ persistent: true }));
    const { endpoint, cookie } = firstVisit(b, 1);
    const shrunk = backendOf(
      'ns/svc:80',
      b.endpoints.filter((e) => e !== endpoint),
      policy({ persistent: true }),
    );
    const view = { address: '192.0.2.1', requestId: 'later' };
    const now = shrunk.balancer.pick(shrunk.endpoints, { cookie }, view, undefined)!;
    assert.notEqual(now.origin, endpoint.origin);
    const line = affinityCookie(shrunk, { cookie }, view, false, now);
    assert.ok(line !== undefined, 'the stale cookie is replaced');
    const fresh = line.split(';')[0];
    for (let i = 0; i < 5; i++) assert.equal(reach(shrunk, fresh), now.origin);
    assert.equal(affinityCookie(shrunk, { cookie: fresh }, view, false, now), undefined);
  });

  it('persistent: an ejected or already tried endpoint is passed over without changing the cookie', () => {
    const b = backendOf('ns/svc:80', endpoints(3), policy({ persistent: true }));
    const { endpoint, cookie } = firstVisit(b, 2);
    const view = { address: '192.0.2.1', requestId: 'later' };
    const retry = b.balancer.pick(b.endpoints, { cookie }, view, [endpoint])!;
    assert.notEqual(retry, endpoint);
    assert.equal(reissuedAffinityCookie(b, { cookie }, view, retry, false), undefined);
  });

  for (const changeOnFailure of [false, true]) {
    it(`persistent, change-on-failure ${changeOnFailure}: after a retry the cookie ${changeOnFailure ? 'names the endpoint that answered' : 'stays'}`, () => {
      const b = backendOf('ns/svc:80', endpoints(3), policy({ persistent: true, changeOnFailure }));
      const { endpoint, cookie } = firstVisit(b, 3);
      const view = { address: '192.0.2.1', requestId: 'later' };
      const served = b.balancer.pick(b.endpoints, { cookie }, view, [endpoint])!;
      const line = reissuedAffinityCookie(b, { cookie }, view, served, false);
      if (!changeOnFailure) return assert.equal(line, undefined);
      assert.ok(line !== undefined);
      assert.equal(reach(b, line.split(';')[0]), served.origin);
    });
  }
});
