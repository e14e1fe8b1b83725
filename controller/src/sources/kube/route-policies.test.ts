// RoutePolicies in cluster mode: listed and watched like the other kinds, and a cluster without
// the CRD (404 on LIST) is served as one without policies rather than never syncing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referencedSecrets } from '../../translate/secret-references.ts';
import { OPTIONS } from '../../translate/testkit.ts';
import { waitFor } from './fake-clock.ts';
import { harness, ingress, PATHS, secret, secretsIn, startSynced } from './test-harness.ts';
import { ApiError } from './transport.ts';

const policy = (name: string) => ({
  apiVersion: 'gatehouse.dev/v1alpha1',
  kind: 'RoutePolicy',
  metadata: { name, namespace: 'shop', managedFields: [{}] },
  spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'web' }] },
  status: { conditions: [] },
});

test('RoutePolicies are listed and watched; the snapshot holds their spec and conditions', async () => {
  const h = harness();
  h.api.put(PATHS.routePolicies, policy('p'));
  await startSynced(h);
  const [p] = h.source.snapshot().routePolicies ?? [];
  assert.ok(p);
  assert.equal(p.metadata.name, 'p');
  assert.deepEqual(p.status, { conditions: [] });
  assert.equal((p.metadata as unknown as Record<string, unknown>).managedFields, undefined);
  h.api.put(PATHS.routePolicies, policy('q'));
  await waitFor(() => h.source.snapshot().routePolicies?.length === 2, 'watched ADDED');
  await h.source.stop();
});

test('without the CRD (404) the source syncs and stays healthy, and picks the kind up once installed', async () => {
  const h = harness();
  h.api.failNext(
    'list',
    new ApiError(404, 'the server could not find the requested resource', 'NotFound'),
    PATHS.routePolicies,
  );
  h.source.start();
  await waitFor(() => h.source.hasSynced(), 'synced without the CRD');
  assert.equal(h.source.snapshot().routePolicies, undefined);
  assert.ok(h.notices.some((n) => n.kind === 'routePolicies' && n.what === 'absent'));
  await h.clock.advance(120_000);
  assert.equal(h.source.healthy(), true, 'an absent CRD is not a failing watch');
  h.api.put(PATHS.routePolicies, policy('p'));
  await h.clock.fireNext(); // the wait before looking for the kind again
  await waitFor(() => h.source.snapshot().routePolicies?.length === 1, 'listed once installed');
  await h.source.stop();
});

test("a RoutePolicy's basicAuth Secret is read once the policy is seen, by name, and shown with the policy", async () => {
  const h = harness({ references: (objects) => referencedSecrets(objects, OPTIONS) });
  const web = ingress('shop', 'web');
  (web.spec as Record<string, unknown>).ingressClassName = 'gatehouse';
  h.api.put(PATHS.ingresses, web);
  h.api.put(secretsIn('shop'), secret('shop', 'users', 'Opaque'));
  await startSynced(h);
  assert.deepEqual(h.source.snapshot().secrets, [], 'nothing references it yet');
  const guarded = policy('p');
  (guarded.spec as Record<string, unknown>).basicAuth = { secretRef: { name: 'users' } };
  h.api.put(PATHS.routePolicies, guarded);
  // The policy and its Secret are seen together: never the policy without the Secret it names.
  await waitFor(() => (h.source.snapshot().routePolicies?.length ?? 0) === 1, 'the policy');
  assert.deepEqual(
    h.source.snapshot().secrets.map((s) => s.metadata.name),
    ['users'],
  );
  await h.source.stop();
});
