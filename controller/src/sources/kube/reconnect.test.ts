import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './fake-clock.ts';
import { gone } from './fake-transport.ts';
import { harness, ingress, ingressNames, PATHS, startSynced, TIMING } from './test-harness.ts';
import { ApiError } from './transport.ts';

const ING = PATHS.ingresses;
const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const forbidden = () => new ApiError(403, 'ingresses is forbidden', 'Forbidden');
const watchesOn = (h: ReturnType<typeof harness>, path: string) =>
  h.api.watchRequests.filter((w) => w.path === path);
const listsOn = (h: ReturnType<typeof harness>, path: string) => h.api.lists.filter((l) => l.path === path);

test('410 Gone as an ERROR event relists at once; objects deleted while away disappear', async () => {
  const h = harness();
  h.api.put(ING, ingress('default', 'a'));
  h.api.put(ING, ingress('default', 'b'));
  await startSynced(h);
  h.api.remove(ING, 'default/b', true);
  h.api.put(ING, ingress('default', 'c'), true);
  h.api.current(ING).send({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  await waitFor(() => listsOn(h, ING).length === 2, 'relist');
  await waitFor(() => watchesOn(h, ING).length === 2, 'new watch');
  assert.deepEqual(ingressNames(h.source), ['default/a', 'default/c']);
  assert.equal(watchesOn(h, ING)[1].query.resourceVersion, h.api.resourceVersion);
  assert.equal(h.source.stats().ingresses.restarts.gone, 1);
  assert.deepEqual(
    h.clock.pending().filter((d) => d < TIMING.stallMs),
    [],
    'no back-off before a relist',
  );
  await h.source.stop();
});

test('410 Gone as the HTTP status of a WATCH relists', async () => {
  const h = harness();
  h.api.put(ING, ingress('default', 'a'));
  await startSynced(h);
  h.api.remove(ING, 'default/a', true);
  h.api.failNext('watch', gone(), ING);
  h.api.current(ING).fail(reset());
  await h.clock.fireNext(); // back-off after the dropped connection
  await waitFor(() => listsOn(h, ING).length === 2 && ingressNames(h.source).length === 0, 'relisted');
  await waitFor(
    () => h.api.watches.filter((w) => w.path === ING && !w.closed).length === 1,
    'watching again',
  );
  assert.equal(h.source.stats().ingresses.restarts.gone, 1);
  await h.source.stop();
});

test('410 Gone again right after a relist backs off instead of relisting in a loop', async () => {
  const h = harness();
  await startSynced(h);
  const error410 = { type: 'ERROR' as const, object: { kind: 'Status', code: 410, reason: 'Expired' } };
  h.api.current(ING).send(error410);
  await waitFor(
    () => listsOn(h, ING).length === 2 && watchesOn(h, ING).length === 2,
    'first relist, at once',
  );
  h.api.current(ING).send(error410);
  await waitFor(
    () => h.clock.pending().includes(TIMING.backoff.initialMs),
    'back-off before the second relist',
  );
  assert.equal(listsOn(h, ING).length, 2);
  await h.clock.advance(TIMING.backoff.initialMs);
  await waitFor(() => listsOn(h, ING).length === 3, 'second relist after back-off');
  assert.equal(h.source.stats().ingresses.restarts.gone, 2);
  await h.source.stop();
});

test('a dropped connection reconnects after back-off, resuming from the last resourceVersion seen', async () => {
  const h = harness();
  await startSynced(h);
  const added = h.api.put(ING, ingress('default', 'a'));
  await waitFor(() => ingressNames(h.source).length === 1, 'ADDED applied');
  h.api.current(ING).fail(reset());
  await waitFor(() => h.clock.pending().includes(TIMING.backoff.initialMs), 'back-off armed');
  assert.equal(watchesOn(h, ING).length, 1, 'no reconnect before the back-off');
  await h.clock.advance(TIMING.backoff.initialMs);
  await waitFor(() => watchesOn(h, ING).length === 2, 'reconnected');
  assert.equal(watchesOn(h, ING)[1].query.resourceVersion, added.metadata.resourceVersion);
  assert.equal(listsOn(h, ING).length, 1, 'no relist');
  assert.equal(h.source.stats().ingresses.restarts.error, 1);
  await h.source.stop();
});

test('a watch the server ends after a healthy run reconnects at once from the last bookmark', async () => {
  const h = harness();
  await startSynced(h);
  await h.clock.advance(60_000);
  h.api.current(ING).send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '777' } } });
  await waitFor(() => h.source.stats().ingresses.resourceVersion === '777', 'bookmark');
  h.api.current(ING).end();
  await waitFor(() => watchesOn(h, ING).length === 2, 'reconnected without waiting');
  assert.equal(watchesOn(h, ING)[1].query.resourceVersion, '777');
  assert.equal(h.source.stats().ingresses.restarts.closed, 1);
  await h.source.stop();
});

test('a watch that closes at once without any event backs off instead of spinning', async () => {
  const h = harness();
  await startSynced(h);
  h.api.current(ING).end();
  await waitFor(() => h.clock.pending().includes(TIMING.backoff.initialMs), 'back-off armed');
  assert.equal(watchesOn(h, ING).length, 1);
  await h.source.stop();
});

test('a silent watch is aborted after the stall deadline and restarted; each event re-arms the deadline', async () => {
  const h = harness();
  await startSynced(h);
  await h.clock.advance(TIMING.stallMs - 1000);
  h.api.current(ING).send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '500' } } });
  await h.clock.advance(TIMING.stallMs - 1);
  assert.equal(watchesOn(h, ING).length, 1, 'the bookmark re-armed the deadline');
  await h.clock.advance(1);
  await waitFor(() => watchesOn(h, ING).length === 2, 'restarted after the stall');
  assert.equal(watchesOn(h, ING)[1].query.resourceVersion, '500');
  assert.ok(h.api.watches[h.api.watches.findIndex((w) => w.path === ING)].closed, 'old watch aborted');
  assert.equal(h.source.stats().ingresses.restarts.stall, 1);
  await h.source.stop();
});

test('a LIST that never answers is aborted after the request timeout and retried', async () => {
  const h = harness();
  h.api.hangNext('list', ING);
  h.source.start();
  await waitFor(() => h.source.stats().services.synced, 'other kinds listed');
  await h.clock.advance(TIMING.requestTimeoutMs);
  await h.clock.fireNext(); // back-off
  await waitFor(() => h.source.hasSynced(), 'ingresses listed on retry');
  assert.match(h.source.stats().ingresses.lastError ?? '', /no answer within 10000 ms/);
  await h.source.stop();
});

test('403 right after a reconnect backs off and recovers; healthy() turns false only past the threshold', async () => {
  const h = harness();
  await startSynced(h);
  for (let i = 0; i < 6; i++) h.api.failNext('watch', forbidden(), ING);
  h.api.current(ING).fail(reset());
  // Failures at t=0 then after 500, 1000, 2000, 4000, 8000, 16000 ms of back-off.
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) delays.push(await h.clock.fireNext());
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000]);
  // 31.5 s of failing so far; the seventh attempt, 30 s (the cap) later, succeeds.
  assert.equal(h.source.healthy(), true, 'still within unhealthyAfterMs');
  await h.clock.advance(TIMING.unhealthyAfterMs - 31_500 + 1);
  assert.equal(h.source.healthy(), false, 'failing for longer than unhealthyAfterMs');
  assert.equal(await h.clock.fireNext(), 61_500 - TIMING.unhealthyAfterMs - 1);
  await waitFor(() => watchesOn(h, ING).length === 8, 'recovered');
  assert.equal(h.source.healthy(), true, 'an established watch is healthy again');
  assert.equal(h.source.stats().ingresses.restarts.error, 7);
  assert.match(h.source.stats().ingresses.lastError ?? '', /HTTP 403 Forbidden/);
  await h.source.stop();
});

test('consecutive failures back off exponentially up to the cap, jitter within bounds, reset by a healthy watch', async () => {
  const h = harness({ random: () => 0.5 });
  await startSynced(h);
  for (let i = 0; i < 8; i++) h.api.failNext('watch', new ApiError(503, 'unavailable'), ING);
  h.api.current(ING).fail(reset());
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) delays.push(await h.clock.fireNext());
  // random 0.5 with jitter 0.2 shortens every delay by 10%.
  assert.deepEqual(delays, [450, 900, 1800, 3600, 7200, 14_400, 27_000, 27_000]);
  await h.clock.fireNext();
  await waitFor(() => watchesOn(h, ING).length === 10, 'recovered');
  h.api.put(ING, ingress('default', 'a'));
  await waitFor(() => ingressNames(h.source).length === 1, 'event after recovery');
  h.api.current(ING).fail(reset());
  await waitFor(() => h.clock.pending().includes(450), 'back-off starts over');
  await h.source.stop();
});
