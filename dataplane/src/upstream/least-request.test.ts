import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeastRequest } from './least-request.ts';
import { endpoints } from './test-endpoints.ts';

describe('least request (power of two choices)', () => {
  it('of two endpoints, always the one with fewer requests in flight', () => {
    const eps = endpoints(2);
    const balancer = new LeastRequest();
    eps[0].health.active = 3;
    eps[1].health.active = 1;
    for (let i = 0; i < 20; i++) assert.equal(balancer.pick(eps, undefined, undefined, undefined), eps[1]);
  });

  it('a slow endpoint (requests held 10x longer) gets far fewer requests than its fair share', () => {
    // Simulated time: each tick brings 3 requests; fast endpoints finish in 1 tick, the slow one in 10.
    const eps = endpoints(3);
    const balancer = new LeastRequest();
    const finishing: Array<Array<number>> = Array.from({ length: 12 }, () => []);
    const counts = [0, 0, 0];
    for (let tick = 0; tick < 2000; tick++) {
      for (const i of finishing[tick % 12]) eps[i].health.active--;
      finishing[tick % 12] = [];
      for (let r = 0; r < 3; r++) {
        const chosen = balancer.pick(eps, undefined, undefined, undefined)!;
        const i = eps.indexOf(chosen);
        counts[i]++;
        chosen.health.active++;
        finishing[(tick + (i === 0 ? 10 : 1)) % 12].push(i);
      }
    }
    const share = counts[0] / (counts[0] + counts[1] + counts[2]);
    assert.ok(share < 0.2, `slow endpoint got ${(share * 100).toFixed(1)}% (fair share 33%)`);
    assert.ok(
      Math.abs(counts[1] - counts[2]) / counts[1] < 0.15,
      `fast endpoints split ${counts[1]}/${counts[2]}`,
    );
  });

  it('with equal load, picks spread over every endpoint', () => {
    const eps = endpoints(4);
    const balancer = new LeastRequest();
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const e = balancer.pick(eps, undefined, undefined, undefined)!;
      counts.set(e.origin, (counts.get(e.origin) ?? 0) + 1);
    }
    for (const e of eps) {
      const n = counts.get(e.origin) ?? 0;
      assert.ok(n > 800 && n < 1200, `${e.origin}: ${n} of 4000`);
    }
  });

  it('skips ejected and already-tried endpoints, whatever the draw', () => {
    const eps = endpoints(3);
    eps[0].health.ejectedUntil = performance.now() + 60_000;
    const balancer = new LeastRequest();
    for (let i = 0; i < 50; i++) {
      assert.equal(balancer.pick(eps, undefined, undefined, [eps[1]]), eps[2]);
    }
  });
});
