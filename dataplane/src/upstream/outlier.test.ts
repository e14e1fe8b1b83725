import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEjected } from './health.ts';
import { defaultOutlierPolicy, recordFailure, recordSuccess } from './outlier.ts';
import { backendOf, endpoints } from './test-endpoints.ts';

const policy = defaultOutlierPolicy;
const T0 = 1_000_000;

describe('passive outlier ejection', () => {
  it('5 consecutive failures eject an endpoint for 10 s; it is back after that', () => {
    const b = backendOf('svc', endpoints(4));
    const e = b.endpoints[0];
    for (let i = 0; i < 4; i++) assert.equal(recordFailure(b, e, policy, T0), false);
    assert.equal(recordFailure(b, e, policy, T0), true);
    assert.equal(isEjected(e.health, T0 + 9_999), true);
    assert.equal(isEjected(e.health, T0 + 10_000), false);
  });

  it('a success in between resets the count: failures must be consecutive', () => {
    const b = backendOf('svc', endpoints(4));
    const e = b.endpoints[0];
    for (let i = 0; i < 4; i++) recordFailure(b, e, policy, T0);
    recordSuccess(e.health, policy, T0);
    for (let i = 0; i < 4; i++) assert.equal(recordFailure(b, e, policy, T0), false);
    assert.equal(isEjected(e.health, T0), false);
  });

  it('each new ejection doubles the time (10 s, 20 s, 40 s), capped at 300 s', () => {
    const b = backendOf('svc', endpoints(4));
    const e = b.endpoints[0];
    let now = T0;
    for (const expected of [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]) {
      for (let i = 0; i < 5; i++) recordFailure(b, e, policy, now);
      assert.equal(e.health.ejectedUntil - now, expected);
      now = e.health.ejectedUntil;
      assert.equal(isEjected(e.health, now), false);
    }
  });

  it('never ejects more than half of a backend: 2 of 4, 1 of 3, none of 1', () => {
    for (const [n, max] of [
      [4, 2],
      [3, 1],
      [2, 1],
      [1, 0],
    ]) {
      const b = backendOf('svc', endpoints(n));
      for (const e of b.endpoints) for (let i = 0; i < 5; i++) recordFailure(b, e, policy, T0);
      const ejected = b.endpoints.filter((e) => isEjected(e.health, T0)).length;
      assert.equal(ejected, max, `${n} endpoints`);
    }
  });

  it('the back-off multiplier decays while the endpoint stays healthy', () => {
    const b = backendOf('svc', endpoints(4));
    const e = b.endpoints[0];
    for (let i = 0; i < 5; i++) recordFailure(b, e, policy, T0);
    assert.equal(e.health.ejections, 1);
    isEjected(e.health, T0 + 10_000);
    recordSuccess(e.health, policy, T0 + 20_000);
    assert.equal(e.health.ejections, 0);
    for (let i = 0; i < 5; i++) recordFailure(b, e, policy, T0 + 30_000);
    assert.equal(e.health.ejectedUntil - (T0 + 30_000), 10_000);
  });
});
