import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, settle, waitFor } from '../sources/kube/fake-clock.ts';
import { ApiError } from '../sources/kube/transport.ts';
import { FakeLeaseStore } from './fake-lease-store.ts';
import { LeaderElector, type LeaderNotice } from './leader.ts';
import { microTime } from './lease-store.ts';

const RETRY = 2_000;
const DEADLINE = 10_000;
const DURATION = 15_000;

function replica(store: FakeLeaseStore, clock: FakeClock, identity: string, requestTimeoutMs = 5_000) {
  const events: string[] = [];
  const notices: LeaderNotice[] = [];
  const elector = new LeaderElector({
    identity,
    namespace: 'gatehouse-system',
    leaseName: 'gatehouse',
    store,
    clock,
    random: () => 0,
    requestTimeoutMs,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
    onNotice: (n) => notices.push(n),
  });
  return { elector, events, notices };
}

function heldBy(store: FakeLeaseStore, holder: string, clock: FakeClock) {
  store.write({
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    renewTime: microTime(clock.now()),
    leaseTransitions: 3,
  });
}

test('a missing lease is created with us as holder and MicroTime timestamps', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'leading');
  assert.deepEqual(a.events, ['started']);
  const spec = store.lease!.spec;
  assert.equal(spec.holderIdentity, 'a');
  assert.equal(spec.leaseDurationSeconds, 15);
  assert.equal(spec.leaseTransitions, 0);
  assert.match(spec.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  await a.elector.stop();
});

test('a free lease (empty holderIdentity) is acquired at once, counting a transition', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  store.write({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 4 });
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'leading');
  assert.equal(store.lease!.spec.holderIdentity, 'a');
  assert.equal(store.lease!.spec.leaseTransitions, 5);
  await a.elector.stop();
});

test('an unexpired lease is not stolen; it is taken once unchanged for a lease duration by our clock', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  heldBy(store, 'b', clock);
  const a = replica(store, clock, 'a');
  a.elector.start();
  await settle();
  await clock.advance(9_000);
  heldBy(store, 'b', clock); // b renews: the record changed, so our expiry clock restarts at our next look (10 s)
  await clock.advance(DURATION - 1); // t = 23.999 s: b's renewal seen at t = 10 s has not expired
  assert.equal(a.elector.isLeader(), false);
  assert.equal(store.lease!.spec.holderIdentity, 'b');
  assert.equal(a.elector.holder(), 'b');
  await clock.advance(2_001); // the attempt at t = 26 s: unchanged since t = 10 s, for more than 15 s
  await waitFor(() => a.elector.isLeader(), 'took over');
  assert.equal(store.lease!.spec.holderIdentity, 'a');
  assert.equal(store.lease!.spec.leaseTransitions, 4);
  await a.elector.stop();
});

test('the leader renews every retry period, keeping acquireTime', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'leading');
  const acquired = store.lease!.spec.acquireTime;
  const renewals = () => store.calls.filter((c) => c.op === 'replace').length;
  const before = renewals();
  await clock.advance(5 * RETRY);
  assert.equal(renewals() - before, 5);
  assert.equal(store.lease!.spec.acquireTime, acquired);
  assert.equal(store.lease!.spec.renewTime, microTime(clock.now()));
  assert.deepEqual(a.events, ['started']);
  await a.elector.stop();
});

test('failing renewals stop leadership exactly at the renew deadline, even while a request hangs', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a', 60_000); // a hanging request outlives the deadline
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'leading');
  store.failNext('get', new ApiError(503, 'unavailable')); // the renewal at 2 s fails
  store.failNext('get', new ApiError(500, 'etcd down')); // so does the one at 4 s
  store.hangNext('get'); // the one at 6 s never answers
  await clock.advance(DEADLINE - 1);
  assert.equal(a.elector.isLeader(), true, 'still within the renew deadline');
  await clock.advance(1);
  assert.equal(a.elector.isLeader(), false);
  assert.deepEqual(a.events, ['started', 'stopped']);
  assert.ok(a.notices.some((n) => n.what === 'lost' && n.error === 'renew deadline exceeded'));
  // The API comes back and the lease is still ours: we lead again.
  await clock.advance(RETRY);
  await waitFor(() => a.elector.isLeader(), 'leading again');
  assert.deepEqual(a.events, ['started', 'stopped', 'started']);
  await a.elector.stop();
});

test('a leader that finds another holder in the lease steps down at once', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'leading');
  heldBy(store, 'b', clock);
  await clock.advance(RETRY);
  assert.equal(a.elector.isLeader(), false);
  assert.deepEqual(a.events, ['started', 'stopped']);
  assert.ok(a.notices.some((n) => n.what === 'lost' && n.holder === 'b'));
  await a.elector.stop();
});

test('a 409 conflict on update means another replica won: we do not lead and then wait for its lease', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  store.write({ holderIdentity: '' });
  store.beforeNext('replace', () => heldBy(store, 'b', clock));
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.notices.some((n) => n.what === 'conflict'), 'conflict seen');
  await clock.advance(3 * RETRY);
  assert.equal(a.elector.isLeader(), false);
  assert.equal(store.lease!.spec.holderIdentity, 'b');
  assert.deepEqual(a.events, []);
  await a.elector.stop();
});

test('two replicas racing for a missing lease: exactly one leads', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a');
  const b = replica(store, clock, 'b');
  a.elector.start();
  b.elector.start();
  await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 'someone leads');
  await clock.advance(5 * RETRY);
  assert.equal(Number(a.elector.isLeader()) + Number(b.elector.isLeader()), 1);
  const leader = a.elector.isLeader() ? 'a' : 'b';
  assert.equal(store.lease!.spec.holderIdentity, leader);
  await Promise.all([a.elector.stop(), b.elector.stop()]);
});

test('release() steps down, clears holderIdentity, and a waiting replica takes over at its next retry', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'a leads');
  const b = replica(store, clock, 'b');
  b.elector.start();
  await clock.advance(RETRY);
  assert.equal(b.elector.isLeader(), false, 'b waits while a renews');
  await a.elector.release();
  assert.deepEqual(a.events, ['started', 'stopped']);
  assert.equal(store.lease!.spec.holderIdentity, '');
  await clock.advance(RETRY);
  await waitFor(() => b.elector.isLeader(), 'b takes over');
  assert.ok(clock.now() - 1_700_000_000_000 < DURATION, 'without waiting for the lease to expire');
  await b.elector.stop();
});

test('stop() without release steps down but leaves the lease to expire', async () => {
  const store = new FakeLeaseStore();
  const clock = new FakeClock();
  const a = replica(store, clock, 'a');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'a leads');
  await a.elector.stop();
  assert.deepEqual(a.events, ['started', 'stopped']);
  assert.equal(store.lease!.spec.holderIdentity, 'a');
  assert.deepEqual(clock.pending(), []);
});

test('timings that cannot work are refused', () => {
  const store = new FakeLeaseStore();
  assert.throws(
    () =>
      new LeaderElector({
        identity: 'a',
        namespace: 'n',
        leaseName: 'l',
        store,
        leaseDurationMs: 10_000,
        renewDeadlineMs: 10_000,
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
      }),
    /leaseDuration > renewDeadline > retryPeriod/,
  );
});
