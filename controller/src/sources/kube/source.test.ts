import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './fake-clock.ts';
import { harness, ingress, ingressNames, PATHS, startSynced } from './test-harness.ts';

test('the initial LIST pages with limit/continue and hasSynced() waits for every kind', async () => {
  const h = harness();
  for (const name of ['c', 'a', 'b']) h.api.put(PATHS.ingresses, ingress('default', name));
  h.api.failNext('list', new Error('connect ECONNREFUSED'), PATHS.endpointSlices);
  h.source.start();
  await waitFor(() => h.source.stats().services.synced, 'services listed');
  assert.equal(h.source.hasSynced(), false, 'endpointSlices have not listed yet');
  await h.clock.fireNext(); // the back-off before retrying the endpointSlices LIST
  await waitFor(() => h.source.hasSynced(), 'all kinds listed');

  const pages = h.api.lists.filter((l) => l.path === PATHS.ingresses).map((l) => l.query);
  assert.deepEqual(pages, [{ limit: '2' }, { limit: '2', continue: '2' }]);
  assert.deepEqual(ingressNames(h.source), ['default/a', 'default/b', 'default/c']);
  await h.source.stop();
});

test('the watch starts from the LIST resourceVersion with bookmarks and a jittered timeout', async () => {
  const h = harness({ random: () => 0.5 });
  h.api.put(PATHS.ingresses, ingress('default', 'a'));
  await startSynced(h);
  const q = h.api.current(PATHS.ingresses).query;
  assert.deepEqual(q, {
    allowWatchBookmarks: 'true',
    resourceVersion: h.api.resourceVersion,
    timeoutSeconds: '450',
  });
  await h.source.stop();
});

test('ADDED, MODIFIED and DELETED events update the cache and each fires onChange', async () => {
  const h = harness();
  await startSynced(h);
  const before = h.counter.changes;
  h.api.put(PATHS.ingresses, ingress('default', 'a', 'one.example.com'));
  await waitFor(() => ingressNames(h.source).length === 1, 'ADDED applied');
  h.api.put(PATHS.ingresses, ingress('default', 'a', 'two.example.com'));
  await waitFor(
    () => h.source.snapshot().ingresses[0]?.spec?.rules?.[0].host === 'two.example.com',
    'MODIFIED',
  );
  h.api.remove(PATHS.ingresses, 'default/a');
  await waitFor(() => ingressNames(h.source).length === 0, 'DELETED applied');
  assert.equal(h.counter.changes - before, 3);
  assert.deepEqual(
    { ...h.source.stats().ingresses.events },
    { ADDED: 1, MODIFIED: 1, DELETED: 1, BOOKMARK: 0, ERROR: 0 },
  );
  await h.source.stop();
});

test('a BOOKMARK advances the resourceVersion without changing the cache or firing onChange', async () => {
  const h = harness();
  h.api.put(PATHS.ingresses, ingress('default', 'a'));
  await startSynced(h);
  const snapshot = h.source.snapshot();
  const changes = h.counter.changes;
  h.api
    .current(PATHS.ingresses)
    .send({ type: 'BOOKMARK', object: { kind: 'Ingress', metadata: { resourceVersion: '9000' } } });
  await waitFor(() => h.source.stats().ingresses.resourceVersion === '9000', 'bookmark applied');
  assert.equal(h.counter.changes, changes);
  assert.equal(h.source.snapshot().ingresses[0], snapshot.ingresses[0], 'the same cached object');
  await h.source.stop();
});

test('snapshot() lists objects sorted by namespace/name and strips bulk fields', async () => {
  const h = harness();
  h.api.put(PATHS.ingresses, ingress('b', 'x'));
  h.api.put(PATHS.ingresses, ingress('a', 'z'));
  h.api.put(PATHS.ingresses, ingress('a', 'y'));
  await startSynced(h);
  assert.deepEqual(ingressNames(h.source), ['a/y', 'a/z', 'b/x']);
  const meta = h.source.snapshot().ingresses[0].metadata as unknown as Record<string, unknown>;
  assert.equal(meta.managedFields, undefined);
  h.source.snapshot().ingresses.reverse();
  assert.deepEqual(
    ingressNames(h.source),
    ['a/y', 'a/z', 'b/x'],
    'a consumer reordering its copy changes nothing',
  );
  await h.source.stop();
});

test('watchNamespace scopes namespaced kinds; IngressClass is still watched cluster-wide', async () => {
  const h = harness({ watchNamespace: 'team-a' });
  h.api.put(
    '/apis/networking.k8s.io/v1/namespaces/team-a/ingresses',
    ingress('team-a', 'a', 'a.test', ['a-tls']),
  );
  await startSynced(h, 1);
  const paths = new Set(h.api.watches.map((w) => w.path));
  assert.deepEqual([...paths].sort(), [
    '/api/v1/namespaces/team-a/secrets',
    '/api/v1/namespaces/team-a/services',
    '/apis/discovery.k8s.io/v1/namespaces/team-a/endpointslices',
    '/apis/gatehouse.dev/v1alpha1/namespaces/team-a/routepolicies',
    '/apis/networking.k8s.io/v1/ingressclasses',
    '/apis/networking.k8s.io/v1/namespaces/team-a/ingresses',
  ]);
  await h.source.stop();
});

test('stop() ends every loop and leaves no timer armed', async () => {
  const h = harness();
  await startSynced(h);
  await h.source.stop();
  assert.deepEqual(h.clock.pending(), []);
  assert.ok(h.api.watches.every((w) => w.closed));
});

test('every kind reports its first LIST through onChange, even when empty; an unchanged relist does not', async () => {
  const h = harness();
  let syncedSeen = false;
  h.source.onChange(() => {
    syncedSeen ||= h.source.hasSynced();
  });
  await startSynced(h);
  assert.equal(syncedSeen, true, 'a listener saw hasSynced() turn true');
  assert.equal(h.counter.changes, 5);
  h.api.current(PATHS.services).send({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  await waitFor(() => h.source.stats().services.lists === 2, 'relisted');
  assert.equal(h.counter.changes, 5, 'nothing changed, nothing to translate');
  await h.source.stop();
});

test('a listener that throws is reported and neither stops other listeners nor disturbs the watch', async () => {
  const h = harness();
  h.source.onChange(() => {
    throw new Error('bug in a listener');
  });
  await startSynced(h);
  const changes = h.counter.changes;
  h.api.put(PATHS.ingresses, ingress('default', 'a'));
  await waitFor(() => h.counter.changes === changes + 1, 'other listener still called');
  assert.ok(h.notices.some((n) => n.what === 'listener-error' && /bug in a listener/.test(n.error ?? '')));
  assert.equal(h.source.stats().ingresses.restarts.error, 0, 'not mistaken for a watch failure');
  assert.deepEqual(ingressNames(h.source), ['default/a']);
  await h.source.stop();
});
