// The worker's leases of the replica's budget: requests are admitted from a lease without IPC,
// waiters share one question per key, expired leases go back to the primary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LimitMessage } from '../table/messages.ts';
import { ASK_TIMEOUT_MS, LimitClient } from './client.ts';

const spec = [{ perMs: 1 / 60_000, burst: 99 }];

test('the worker client: leased requests are used locally, waiters ride on one question', () => {
  let now = 0;
  const sent: LimitMessage[] = [];
  const client = new LimitClient(
    (m) => sent.push(m),
    () => now,
  );
  const budget = { zone: 'z', buckets: spec, prefetch: 6 };
  assert.equal(client.tryTake(budget, 'a'), false);
  const verdicts: boolean[] = [];
  client.wait(budget, 'a', (ok) => verdicts.push(ok));
  client.wait(budget, 'a', (ok) => verdicts.push(ok));
  assert.equal(sent.length, 1, 'one question in flight per key');
  const ask = sent[0] as Extract<LimitMessage, { type: 'limit-lease' }>;
  assert.deepEqual([ask.need, ask.want], [1, 7]);
  client.answer(ask.id, 4);
  assert.deepEqual(verdicts, [true, true], 'the second waiter takes from the same lease');
  assert.equal(sent.length, 1);
  // Two left from the lease: no IPC for them.
  assert.ok(client.tryTake(budget, 'a'));
  assert.ok(client.tryTake(budget, 'a'));
  assert.equal(client.tryTake(budget, 'a'), false);
  // The next waiter asks; the answer: none left.
  client.wait(budget, 'a', (ok) => verdicts.push(ok));
  const next = sent[1] as Extract<LimitMessage, { type: 'limit-lease' }>;
  assert.equal(next.need, 1);
  client.answer(next.id, 0);
  assert.deepEqual(verdicts, [true, true, false]);
  client.wait(budget, 'a', (ok) => verdicts.push(ok));
  client.answer((sent[2] as Extract<LimitMessage, { type: 'limit-lease' }>).id, 2);
  assert.deepEqual(verdicts, [true, true, false, true]);
  now = 2000;
  assert.equal(client.tryTake(budget, 'a'), false, 'the lease expired');
  client.sweep();
  assert.deepEqual(sent.at(-1), { type: 'limit-return', zone: 'z', key: 'a', buckets: spec, count: 1 });
});

test('a question the primary leaves unanswered is a refusal (limits fail closed)', () => {
  let now = 0;
  const sent: LimitMessage[] = [];
  const client = new LimitClient(
    (m) => sent.push(m),
    () => now,
  );
  const verdicts: boolean[] = [];
  client.wait({ zone: 'z', buckets: spec, prefetch: 0 }, 'a', (ok) => verdicts.push(ok));
  client.acquire('z', 'a', 1, (ok) => verdicts.push(ok));
  now = ASK_TIMEOUT_MS + 1;
  client.sweep();
  assert.deepEqual(verdicts, [false, false]);
  // The acquire's grant arrives late: nobody holds that slot, so it is released at once.
  const acquire = sent.find((m) => m.type === 'limit-acquire') as Extract<
    LimitMessage,
    { type: 'limit-acquire' }
  >;
  client.answer(acquire.id, 1);
  assert.deepEqual(sent.at(-1), { type: 'limit-release', zone: 'z', key: 'a' });
  assert.deepEqual(verdicts, [false, false]);
  client.close();
});

test('a request that throws as it resumes is reported, and the others are still told', () => {
  const sent: LimitMessage[] = [];
  const client = new LimitClient(
    (m) => sent.push(m),
    () => 0,
  );
  const errors: unknown[] = [];
  client.onError = (error) => errors.push(error);
  const verdicts: boolean[] = [];
  const budget = { zone: 'z', buckets: spec, prefetch: 0 };
  client.wait(budget, 'a', () => {
    throw new Error('boom');
  });
  client.wait(budget, 'a', (ok) => verdicts.push(ok));
  client.answer((sent[0] as Extract<LimitMessage, { type: 'limit-lease' }>).id, 2);
  assert.equal(errors.length, 1);
  assert.deepEqual(verdicts, [true]);
  client.close();
});
