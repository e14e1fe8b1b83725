import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CounterFamily, HistogramFamily } from './series.ts';

describe('metric series', () => {
  it('binding equal labels twice gives the same series, so counts survive a new route table', () => {
    const family = new CounterFamily('x_total', 'x', ['a', 'b']);
    const first = family.bind({ a: '1', b: '2' });
    first.value += 3;
    const again = family.bind({ b: '2', a: '1' });
    assert.equal(again, first);
    assert.equal(again.value, 3);
    assert.notEqual(family.bind({ a: '1', b: '3' }), first);
  });

  it('a label missing at bind time is a programming error', () => {
    const family = new CounterFamily('x_total', 'x', ['a', 'b']);
    assert.throws(() => family.bind({ a: '1' }), /label b missing/);
  });

  it('labels that would collide when joined naively stay apart', () => {
    const family = new CounterFamily('x_total', 'x', ['a', 'b']);
    assert.notEqual(family.bind({ a: 'x', b: 'yz' }), family.bind({ a: 'xy', b: 'z' }));
  });

  it('a histogram observation equal to a bound falls in that bucket (le is inclusive)', () => {
    const family = new HistogramFamily('d_seconds', 'd', ['r'], [0.1, 1]);
    const s = family.bind({ r: 'a' });
    for (const v of [0.05, 0.1, 0.5, 1, 7]) s.observe(v);
    const json = family.toJSON();
    const buckets = json.values.filter((v) => v.metricName === 'd_seconds_bucket');
    assert.deepEqual(
      buckets.map((b) => [b.labels.le, b.value]),
      [
        [0.1, 2],
        [1, 4],
        ['+Inf', 5],
      ],
    );
    assert.equal(json.values.find((v) => v.metricName === 'd_seconds_count')?.value, 5);
    assert.equal(json.values.find((v) => v.metricName === 'd_seconds_sum')?.value, 8.65);
    assert.equal(json.type, 'histogram');
    assert.equal(buckets[0].labels.r, 'a');
  });
});
