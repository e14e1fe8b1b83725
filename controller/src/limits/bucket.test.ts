// nginx's limit_req with `burst=B nodelay` (ngx_http_limit_req_module.c: excess = previous excess
// − rate × elapsed + 1, refused when above B): an idle key takes B + 1 requests at once, then one
// more each 1/rate; a refused request changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BucketState, fill, refund, room } from './bucket.ts';

const perSecond = (rate: number, burst: number) => ({ perMs: rate / 1000, burst });

/** Admits one request at `now` if there is room, as a request would. */
function admit(state: BucketState, spec: ReturnType<typeof perSecond>, now: number): boolean {
  if (room(state, spec, now) < 1) return false;
  fill(state, spec, now, 1);
  return true;
}

test('an idle key takes burst + 1 requests at once, then is refused', () => {
  const spec = perSecond(2, 10);
  const state = { level: 0, at: 0 };
  let admitted = 0;
  for (let i = 0; i < 20; i++) if (admit(state, spec, 1000)) admitted++;
  assert.equal(admitted, 11);
});

test('the bucket drains at the rate: one more request per 1/rate', () => {
  const spec = perSecond(2, 4);
  const state = { level: 0, at: 0 };
  for (let i = 0; i < 5; i++) assert.ok(admit(state, spec, 0));
  assert.equal(admit(state, spec, 0), false);
  assert.equal(admit(state, spec, 499), false, 'not before 500 ms at 2 r/s');
  assert.equal(admit(state, spec, 500), true);
  assert.equal(admit(state, spec, 500), false);
  // Three seconds later six have drained, but the bucket holds five: burst + 1 again.
  let admitted = 0;
  for (let i = 0; i < 10; i++) if (admit(state, spec, 3500)) admitted++;
  assert.equal(admitted, 5);
});

test('a refused request leaves the level alone (nginx does not account it)', () => {
  const spec = perSecond(1, 0);
  const state = { level: 0, at: 0 };
  assert.ok(admit(state, spec, 0));
  for (let t = 100; t < 1000; t += 100) assert.equal(admit(state, spec, t), false);
  assert.ok(admit(state, spec, 1000));
});

test('one request per minute refills after exactly 60 s despite float division', () => {
  const spec = { perMs: 1 / 60_000, burst: 2 };
  const state = { level: 0, at: 0 };
  assert.equal(room(state, spec, 0), 3);
  fill(state, spec, 0, 3);
  assert.equal(room(state, spec, 59_999), 0);
  assert.equal(room(state, spec, 60_000), 1);
  assert.equal(room(state, spec, 120_000), 2);
});

test('several requests taken at once (a lease) and given back', () => {
  const spec = perSecond(1, 9);
  const state = { level: 0, at: 0 };
  fill(state, spec, 0, 7);
  assert.equal(room(state, spec, 0), 3);
  refund(state, spec, 0, 4);
  assert.equal(room(state, spec, 0), 7);
  refund(state, spec, 0, 100);
  assert.equal(room(state, spec, 0), 10, 'never below empty');
});
