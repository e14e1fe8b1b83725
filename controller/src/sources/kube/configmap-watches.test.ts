// The ConfigMaps of custom-headers go through the same per-name watches as referenced Secrets
// (secret-watches.ts): only those referenced are requested, each by name in its namespace, a
// change reaches the snapshot, and the watch stops with the last reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './fake-clock.ts';
import { configMapsIn, harness, ingress, ingressNames, PATHS, startSynced } from './test-harness.ts';

const ANNOTATION = 'nginx.ingress.kubernetes.io/custom-headers';

/** The Ingresses' custom-headers values as references (class and namespace checks are translate's). */
const references = ({
  ingresses,
}: {
  ingresses: Array<{ metadata: { annotations?: Record<string, string> } }>;
}) =>
  ingresses.flatMap((i) =>
    i.metadata.annotations?.[ANNOTATION] ? [i.metadata.annotations[ANNOTATION]] : [],
  );

const withHeaders = (namespace: string, name: string, configMap: string) => {
  const o = ingress(namespace, name);
  return { ...o, metadata: { ...o.metadata, annotations: { [ANNOTATION]: `${namespace}/${configMap}` } } };
};

const configMap = (namespace: string, name: string, data: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name, managedFields: [{ manager: 'kubectl' }] },
  data,
  binaryData: { blob: 'AA==' },
});

test('a referenced ConfigMap is read by name, follows its changes, and is dropped with the last reference', async () => {
  const h = harness({ configMapReferences: references });
  h.api.put(configMapsIn('team'), configMap('team', 'headers', { 'X-A': '1', odd: 2 }));
  h.api.put(configMapsIn('team'), configMap('team', 'unreferenced', { 'X-B': '1' }));
  h.api.put(PATHS.ingresses, withHeaders('team', 'shop', 'headers'));
  await startSynced(h, 1);
  const configMaps = () => h.source.snapshot().configMaps ?? [];
  // Only string data is kept; metadata is stripped as for every kind.
  assert.deepEqual(configMaps(), [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'team', name: 'headers', resourceVersion: '101' },
      data: { 'X-A': '1' },
    },
  ]);
  const requests = [...h.api.lists, ...h.api.watchRequests].filter((r) => r.path.endsWith('/configmaps'));
  assert.ok(requests.length >= 2);
  for (const r of requests) {
    assert.equal(r.path, configMapsIn('team'));
    assert.equal(r.query.fieldSelector, 'metadata.name=headers');
  }

  h.api.put(configMapsIn('team'), configMap('team', 'headers', { 'X-A': '2' }));
  await waitFor(() => configMaps()[0]?.data?.['X-A'] === '2', 'the change reaches the snapshot');

  h.api.remove(PATHS.ingresses, 'team/shop');
  const open = () => h.api.watches.filter((w) => !w.closed && w.path.endsWith('/configmaps')).length;
  await waitFor(
    () => ingressNames(h.source).length === 0 && configMaps().length === 0 && open() === 0,
    'the last reference gone, the watch stops',
  );
  assert.equal(h.source.stats().configMaps?.lists, 1);
  await h.source.stop();
});

test('without a reference no ConfigMap is ever requested', async () => {
  const h = harness({ configMapReferences: references });
  h.api.put(configMapsIn('team'), configMap('team', 'headers', { 'X-A': '1' }));
  h.api.put(PATHS.ingresses, ingress('team', 'plain'));
  await startSynced(h);
  assert.deepEqual(
    [...h.api.lists, ...h.api.watchRequests].filter((r) => r.path.endsWith('/configmaps')),
    [],
  );
  await h.source.stop();
});

test('ConfigMap watches have their own cap (the --max-secret-watches number), reported apart from Secrets', async () => {
  const h = harness({ configMapReferences: references, maxSecretWatches: 1 });
  h.api.put(PATHS.ingresses, withHeaders('team', 'a', 'first'));
  h.api.put(PATHS.ingresses, withHeaders('team', 'b', 'second'));
  await startSynced(h, 1);
  assert.deepEqual(
    h.source.diagnostics().map((d) => [d.reason, d.object.name]),
    [['ConfigMapWatchLimit', '--max-secret-watches']],
  );
  assert.match(h.source.diagnostics()[0]?.message ?? '', /2 ConfigMaps are referenced but at most 1/);
  await h.source.stop();
});
