import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Measurements, percentile } from './measure.ts';

test('percentile is nearest-rank: p50 of 1..10 is 5, p99 is the maximum, order does not matter', () => {
  const values = [7, 3, 10, 1, 5, 2, 9, 4, 8, 6];
  assert.deepEqual(
    [percentile(values, 50), percentile(values, 99), percentile(values, 100), percentile(values, 0)],
    [5, 10, 10, 1],
  );
  assert.equal(percentile([42], 50), 42);
  assert.throws(() => percentile([], 50), /no values/);
});

test('timeChange records the time from before the change until the change is seen', async () => {
  const m = new Measurements();
  let applied = false;
  let polls = 0;
  const ms = await m.timeChange(
    'flag set',
    async () => {
      applied = true;
    },
    async () => ++polls >= 3 && applied,
  );
  assert.equal(polls, 3);
  assert.deepEqual(m.propagation, [{ what: 'flag set', ms }]);
  assert.match(m.summary(), /propagation \(API change -> served\), 1 changes: p50 \d+ ms, p99 \d+ ms/);
});
