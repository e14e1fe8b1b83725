import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyPace, judgeBody, withoutMinRate } from './body-pace.ts';

describe('how fast a request body must keep coming', () => {
  // 60 s between reads; after a 20 s grace, 1 KiB per second of waiting.
  const pace = bodyPace(60_000, 1024, 20_000);
  const cases: Array<[string, number, number, number, ReturnType<typeof judgeBody>]> = [
    ['a body just started', 0, 0, 0, undefined],
    ['one byte in 59 s, which the between-reads timeout lets through', 59_000, 59_000, 1, 'slow'],
    ['nothing for 60 s', 60_000, 60_000, 100_000, 'idle'],
    ['nothing for 59.9 s after a fast start', 70_000, 59_900, 100_000, undefined],
    ['the grace spent with no byte', 20_001, 10_000, 0, 'slow'],
    ['the grace and 1 s paid by 1 KiB', 21_000, 100, 1024, undefined],
    ['just past what 1 KiB pays for', 21_001, 100, 1024, 'slow'],
    ['a steady 2 KiB/s for ten minutes', 600_000, 500, 2048 * 600, undefined],
    ['a drip of a byte a second for a minute', 60_000, 900, 60, 'slow'],
  ];
  for (const [state, waited, idle, bytes, verdict] of cases) {
    it(`${state}: ${verdict ?? 'goes on'}`, () => {
      assert.equal(judgeBody(pace, waited, idle, bytes), verdict);
    });
  }

  it('a minimum rate of 0 leaves only the between-reads timeout (gRPC streams)', () => {
    const off = withoutMinRate(pace);
    assert.equal(judgeBody(off, 3_600_000, 59_000, 1), undefined);
    assert.equal(judgeBody(off, 3_600_000, 60_000, 1), 'idle');
  });

  it('the check period is a quarter of the shortest rule, between 10 ms and 5 s', () => {
    assert.equal(pace.checkMs, 5_000);
    assert.equal(bodyPace(1_000, 0, 20_000).checkMs, 250);
    assert.equal(bodyPace(60_000, 1024, 1_000).checkMs, 250);
    assert.equal(bodyPace(60_000, 0, 1_000).checkMs, 5_000, 'the grace means nothing without a rate');
    assert.equal(bodyPace(1, 0, 0).checkMs, 10);
  });
});
