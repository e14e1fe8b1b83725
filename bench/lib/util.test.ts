import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentile, statCpuTicks } from './util.ts';

test('percentile is the nearest rank over the sorted sample, whatever the input order', () => {
  const sample = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
  const cases: Array<[number, number]> = [
    [50, 5],
    [90, 9],
    [99, 10],
    [100, 10],
    [1, 1],
  ];
  for (const [p, expected] of cases) assert.equal(percentile(sample, p), expected, `p${p}`);
});

test('median of an even sample is the mean of the two middle values; of none, NaN', () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([3, 1, 2]), 2);
  assert.ok(Number.isNaN(median([])));
});

test('statCpuTicks adds utime and stime, even when the command name holds spaces and parentheses', () => {
  // Fields 14 (utime) = 1234 and 15 (stime) = 567; the name "(a) b)" would shift a naive split.
  const stat = '4242 ((a) b)) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 1 0 99 1000 50';
  assert.equal(statCpuTicks(stat), 1234 + 567);
});
