// The replica's budget: leases share one bucket between workers, prefetch only from plenty,
// limit_conn counts requests in progress across workers, a full zone forgets its oldest key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LimitLedger } from './ledger.ts';

const spec = [{ perMs: 1 / 60_000, burst: 99 }]; // 1 r/m, burst 99: 100 requests, no refill to speak of

test('two workers leasing one budget are admitted exactly its size between them', () => {
  const ledger = new LimitLedger(() => 0);
  let granted = 0;
  for (let i = 0; i < 300; i++) {
    const worker = (i % 2) + 1;
    granted += ledger.lease(worker, { zone: 'z', key: 'a', need: 1, want: 1 + 6, buckets: spec });
  }
  assert.equal(granted, 100);
  assert.ok((ledger.granted.get(1) ?? 0) > 0 && (ledger.granted.get(2) ?? 0) > 0);
});

test('prefetch comes only from the top quarter of the room; what is needed comes first', () => {
  const ledger = new LimitLedger(() => 0);
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 1, want: 64, buckets: spec }), 25);
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 70, want: 80, buckets: spec }), 70);
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 1, want: 64, buckets: spec }), 1);
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 9, want: 9, buckets: spec }), 4, 'what is left');
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 1, want: 1, buckets: spec }), 0);
  ledger.giveBack('z', 'a', spec, 3);
  assert.equal(ledger.lease(2, { zone: 'z', key: 'a', need: 3, want: 3, buckets: spec }), 3);
});

test('keys and zones are separate budgets; the clock refills them', () => {
  let now = 0;
  const ledger = new LimitLedger(() => now);
  const one = [{ perMs: 1 / 1000, burst: 0 }];
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 2, want: 2, buckets: one }), 1);
  assert.equal(ledger.lease(1, { zone: 'z', key: 'b', need: 1, want: 1, buckets: one }), 1);
  assert.equal(ledger.lease(1, { zone: 'y', key: 'a', need: 1, want: 1, buckets: one }), 1);
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 1, want: 1, buckets: one }), 0);
  now = 1000;
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 1, want: 1, buckets: one }), 1);
});

test('limit-rps and limit-rpm together: the stricter bucket decides', () => {
  const ledger = new LimitLedger(() => 0);
  const both = [
    { perMs: 10 / 1000, burst: 50 },
    { perMs: 20 / 60_000, burst: 20 },
  ];
  assert.equal(ledger.lease(1, { zone: 'z', key: 'a', need: 100, want: 100, buckets: both }), 21);
});

test('connections: counted across workers, released, and freed when a worker dies', () => {
  const ledger = new LimitLedger(() => 0);
  assert.ok(ledger.acquire(1, 'z', 'a', 2));
  assert.ok(ledger.acquire(2, 'z', 'a', 2));
  assert.equal(ledger.acquire(1, 'z', 'a', 2), false);
  ledger.release(2, 'z', 'a');
  assert.ok(ledger.acquire(1, 'z', 'a', 2));
  ledger.release(2, 'z', 'a'); // nothing held by 2 any more: ignored
  assert.equal(ledger.inProgress('z', 'a'), 2);
  ledger.forgetWorker(1);
  assert.equal(ledger.inProgress('z', 'a'), 0);
});

test('a full zone forgets its least recently used key and counts it', () => {
  const ledger = new LimitLedger(() => 0, 3);
  const ask = (key: string) => ledger.lease(1, { zone: 'z', key, need: 1, want: 1, buckets: spec });
  ask('a');
  ask('b');
  ask('c');
  ask('a'); // a is fresh again: b is the oldest
  ask('d');
  assert.equal(ledger.keys('z'), 3);
  assert.equal(ledger.evictions, 1);
  // b was forgotten: it starts with a full budget (100), a did not (98 left).
  assert.equal(ledger.lease(1, { zone: 'z', key: 'b', need: 1, want: 200, buckets: spec }), 25);
});
