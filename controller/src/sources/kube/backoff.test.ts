import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, backoffDelay, defaultBackoff } from './backoff.ts';

const policy = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

test('without jitter the delay doubles from the initial value until the cap', () => {
  const b = new Backoff(policy, () => 0);
  const delays = Array.from({ length: 9 }, () => b.next());
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
});

test('jitter only shortens a delay, by at most the jitter fraction, so the cap is never exceeded', () => {
  const cases = [
    { attempt: 0, base: 500 },
    { attempt: 3, base: 4000 },
    { attempt: 20, base: 30_000 },
  ];
  for (const { attempt, base } of cases) {
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      const d = backoffDelay(policy, attempt, () => r);
      assert.ok(d <= base && d >= base * (1 - policy.jitter), `attempt ${attempt}, random ${r}: ${d}`);
    }
    assert.equal(
      backoffDelay(policy, attempt, () => 0.5),
      Math.round(base * 0.9),
    );
  }
});

test('reset() starts the sequence over after a healthy connection', () => {
  const b = new Backoff(defaultBackoff, () => 0);
  b.next();
  b.next();
  b.reset();
  assert.equal(b.next(), defaultBackoff.initialMs);
});
