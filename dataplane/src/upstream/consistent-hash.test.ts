import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BalancerPolicy } from '../table/types.ts';
import type { UpstreamEndpoint } from './balancer.ts';
import { ConsistentHash, HashRing } from './consistent-hash.ts';
import { endpoints } from './test-endpoints.ts';

type HashPolicy = Extract<BalancerPolicy, { type: 'ConsistentHash' }>;
const onHeader: HashPolicy = { type: 'ConsistentHash', on: 'Header', name: 'X-User' };
const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

function assign(eps: UpstreamEndpoint[], policy: HashPolicy = onHeader): Map<string, string> {
  const balancer = new ConsistentHash(policy, eps);
  return new Map(KEYS.map((k) => [k, balancer.pick(eps, { 'x-user': k }, undefined, undefined)!.origin]));
}

function kept(before: Map<string, string>, after: Map<string, string>): number {
  let same = 0;
  for (const [k, origin] of before) if (after.get(k) === origin) same++;
  return same / before.size;
}

describe('consistent hashing', () => {
  it('the same key always reaches the same endpoint', () => {
    const eps = endpoints(4);
    const balancer = new ConsistentHash(onHeader, eps);
    const first = balancer.pick(eps, { 'x-user': 'alice' }, undefined, undefined);
    for (let i = 0; i < 10; i++)
      assert.equal(balancer.pick(eps, { 'x-user': 'alice' }, undefined, undefined), first);
  });

  it('keys spread evenly: each of 4 endpoints owns 18-32% of 10 000 keys', () => {
    const counts = new Map<string, number>();
    for (const origin of assign(endpoints(4)).values()) counts.set(origin, (counts.get(origin) ?? 0) + 1);
    assert.equal(counts.size, 4);
    for (const [origin, n] of counts) assert.ok(n > 1800 && n < 3200, `${origin}: ${n}`);
  });

  it('adding a fifth endpoint to four keeps at least 70% of keys where they were (ideal 80%)', () => {
    const four = endpoints(4);
    const share = kept(assign(four), assign([...four, ...endpoints(1, 4)]));
    assert.ok(share >= 0.7, `kept ${(share * 100).toFixed(1)}%`);
  });

  it('an endpoint that sorts between existing ones (a new pod anywhere) still keeps at least 70% of keys', () => {
    const [a, b, c, d, e] = endpoints(5);
    const base = assign([a, b, d, e]);
    assert.ok(kept(base, assign([a, b, c, d, e])) >= 0.7);
  });

  it('removing an endpoint moves only the keys it owned', () => {
    const eps = endpoints(4);
    const before = assign(eps);
    const removed = eps[2].origin;
    const after = assign(eps.filter((e) => e.origin !== removed));
    for (const [k, origin] of before) if (origin !== removed) assert.equal(after.get(k), origin, k);
  });

  it('a key whose endpoint is ejected or already tried walks on; other keys stay', () => {
    const eps = endpoints(4);
    const balancer = new ConsistentHash(onHeader, eps);
    const home = balancer.pick(eps, { 'x-user': 'bob' }, undefined, undefined)!;
    const elsewhere = balancer.pick(eps, { 'x-user': 'bob' }, undefined, [home])!;
    assert.notEqual(elsewhere, home);
    home.health.ejectedUntil = performance.now() + 60_000;
    assert.equal(balancer.pick(eps, { 'x-user': 'bob' }, undefined, undefined), elsewhere);
  });

  it('hashes on a cookie, or on the client address', () => {
    const eps = endpoints(4);
    const byCookie = new ConsistentHash({ type: 'ConsistentHash', on: 'Cookie', name: 'sid' }, eps);
    const a = byCookie.pick(eps, { cookie: 'theme=dark; sid=abc' }, undefined, undefined);
    for (let i = 0; i < 5; i++)
      assert.equal(byCookie.pick(eps, { cookie: 'sid=abc' }, undefined, undefined), a);
    const byAddress = new ConsistentHash({ type: 'ConsistentHash', on: 'ClientAddress' }, eps);
    const client = { address: '192.0.2.7', requestId: 'r1' };
    const b = byAddress.pick(eps, {}, client, undefined);
    for (let i = 0; i < 5; i++)
      assert.equal(byAddress.pick(eps, {}, { ...client, requestId: `r${i}` }, undefined), b);
  });

  it('requests without the header are spread round robin instead of piling on one endpoint', () => {
    const eps = endpoints(3);
    const balancer = new ConsistentHash(onHeader, eps);
    const picks = new Set(
      Array.from({ length: 3 }, () => balancer.pick(eps, {}, undefined, undefined)!.origin),
    );
    assert.equal(picks.size, 3);
  });

  it('the ring is the same whatever order the endpoints are listed in', () => {
    const ring1 = new HashRing(['a', 'b', 'c']);
    const ring2 = new HashRing(['c', 'a', 'b']);
    assert.deepEqual(ring1.points, ring2.points);
  });
});
