import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  forwardTraceparent,
  isValidTraceparent,
  newTraceparent,
  sampledByTraceId,
  traceId,
} from './trace.ts';

const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('W3C traceparent at the edge', () => {
  const cases: Array<[string, boolean]> = [
    [valid, true],
    ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00', true],
    ['00-00000000000000000000000000000000-b7ad6b7169203331-01', false],
    ['00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', false],
    ['ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', false],
    ['00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', false],
    ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331', false],
    [`${valid}, ${valid}`, false],
  ];
  for (const [value, ok] of cases) {
    it(`${value.slice(0, 40)}… is ${ok ? 'valid' : 'invalid'}`, () =>
      assert.equal(isValidTraceparent(value), ok));
  }

  it('a valid traceparent is forwarded unchanged', () => {
    const headers = ['host', 'a', 'traceparent', valid, 'tracestate', 'v=1'];
    assert.equal(forwardTraceparent(headers, valid, 1), valid);
    assert.deepEqual(headers, ['host', 'a', 'traceparent', valid, 'tracestate', 'v=1']);
  });

  it('an absent one is created and added', () => {
    const headers = ['host', 'a'];
    const created = forwardTraceparent(headers, undefined, 0);
    assert.ok(isValidTraceparent(created));
    assert.deepEqual(headers, ['host', 'a', 'traceparent', created]);
    assert.ok(created.endsWith('-00'), 'not sampled when nothing records it');
  });

  it('an invalid one is replaced, and its tracestate dropped with it', () => {
    const headers = ['Traceparent', 'garbage', 'host', 'a', 'TraceState', 'v=1'];
    const created = forwardTraceparent(headers, 'garbage', 1);
    assert.deepEqual(headers, ['host', 'a', 'traceparent', created]);
    assert.ok(created.endsWith('-01'), 'sampled when the access log keeps every request');
  });

  it('new trace ids differ', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => traceId(newTraceparent(false))));
    assert.equal(ids.size, 1000);
  });

  it('sampling by trace id is deterministic and follows the rate', () => {
    let kept = 0;
    for (let i = 0; i < 4000; i++) if (sampledByTraceId(newTraceparent(false), 0.25)) kept++;
    assert.ok(kept > 800 && kept < 1200, `kept ${kept} of 4000 at 25%`);
    const t = newTraceparent(false);
    assert.equal(sampledByTraceId(t, 0.5), sampledByTraceId(t, 0.5));
  });
});
