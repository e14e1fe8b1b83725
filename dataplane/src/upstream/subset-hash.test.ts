// Consistent hashing to a subset (ingress-nginx rootfs/etc/nginx/lua/balancer/chashsubset.lua):
// endpoints in order make ceil(n/size) sets of `size`, the last one topped up from the start; a key
// hashes to one set, and each request takes a random endpoint of it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BalancerPolicy } from '../table/types.ts';
import { subsetsOf } from './subset-hash.ts';
import { backendOf, endpoints } from './test-endpoints.ts';

const policy = (subsetSize: number): BalancerPolicy => ({
  type: 'ConsistentHash',
  on: 'Header',
  name: 'x-user',
  subsetSize,
});

describe('subset hashing (upstream-hash-by-subset)', () => {
  it('subsets as chashsubset.lua build_subset_map cuts them', () => {
    assert.deepEqual(subsetsOf(10, 3), [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 0, 1],
    ]);
    assert.deepEqual(subsetsOf(6, 3), [
      [0, 1, 2],
      [3, 4, 5],
    ]);
    assert.deepEqual(subsetsOf(2, 5), [[0, 1, 0, 1, 0]]);
    assert.deepEqual(subsetsOf(0, 3), []);
  });

  it('a key reaches only the endpoints of its subset, and every one of them', () => {
    const b = backendOf('svc', endpoints(10), policy(3));
    const sets = subsetsOf(10, 3).map((s) => new Set(s.map((i) => b.endpoints[i].origin)));
    const subsetsUsed = new Set<number>();
    for (let k = 0; k < 100; k++) {
      const headers = { 'x-user': `user-${k}` };
      const seen = new Set<string>();
      for (let i = 0; i < 120; i++)
        seen.add(b.balancer.pick(b.endpoints, headers, undefined, undefined)!.origin);
      const home = sets.findIndex((set) => [...seen].every((o) => set.has(o)));
      assert.ok(home !== -1, `key ${k} reached ${[...seen]} across subsets`);
      // 120 uniform picks miss one of 3 with probability 3·(2/3)^120 ≈ 2e-21.
      assert.equal(seen.size, sets[home].size, `key ${k} reached ${seen.size} of its subset`);
      subsetsUsed.add(home);
    }
    assert.equal(subsetsUsed.size, 4, 'the keys spread over every subset');
  });

  it('a retry goes to another endpoint of the subset; a request without the key is balanced over all', () => {
    const b = backendOf('svc', endpoints(9), policy(3));
    const headers = { 'x-user': 'alice' };
    const first = b.balancer.pick(b.endpoints, headers, undefined, undefined)!;
    const set = subsetsOf(9, 3).find((s) => s.includes(b.endpoints.indexOf(first)))!;
    for (let i = 0; i < 20; i++) {
      const retry = b.balancer.pick(b.endpoints, headers, undefined, [first])!;
      assert.notEqual(retry, first);
      assert.ok(set.includes(b.endpoints.indexOf(retry)));
    }
    const all = new Set(
      Array.from({ length: 9 }, () => b.balancer.pick(b.endpoints, {}, undefined, undefined)!.origin),
    );
    assert.equal(all.size, 9);
  });
});
