import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from './fake-clock.ts';
import {
  harness,
  ingress,
  ingressNames,
  PATHS,
  secret,
  secretsIn,
  startSynced,
  tlsReferences,
} from './test-harness.ts';
import type { Query } from './transport.ts';

type H = ReturnType<typeof harness>;

/** Every Secret request (LIST or WATCH) the source made, in order. */
function secretRequests(h: H): Array<{ path: string; query: Query }> {
  return [...h.api.lists, ...h.api.watchRequests].filter((r) => r.path.endsWith('/secrets'));
}

const byName = (name: string) => `metadata.name=${name},type=kubernetes.io/tls`;

/** Names of the Secrets with an open watch, as namespace/name. */
function watchedSecrets(h: H): string[] {
  return h.api.watches
    .filter((w) => !w.closed && w.path.endsWith('/secrets'))
    .map((w) => `${w.path.split('/')[4]}/${/metadata\.name=([^,]+)/.exec(w.query.fieldSelector ?? '')?.[1]}`)
    .sort();
}

const secretNames = (h: H) =>
  h.source.snapshot().secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);

describe('only referenced Secrets are read, each by name', () => {
  test('an auth-secret reference (opaque:) reads its Opaque Secret whole, by name only; never another type', async () => {
    const h = harness({ references: tlsReferences(['opaque:team/password', 'opaque:team/token']) });
    h.api.put(secretsIn('team'), secret('team', 'password', 'Opaque'));
    h.api.put(secretsIn('team'), secret('team', 'token', 'kubernetes.io/service-account-token'));
    h.api.put(secretsIn('team'), secret('team', 'unreferenced', 'Opaque'));
    await startSynced(h, 2);
    await waitFor(() => secretNames(h).includes('team/password'), 'the Opaque Secret');
    const selectors = [...new Set(secretRequests(h).map((r) => r.query.fieldSelector))].sort();
    assert.deepEqual(selectors, ['metadata.name=password', 'metadata.name=token']);
    assert.deepEqual(secretNames(h), ['team/password']);
    assert.deepEqual(Object.keys(h.source.snapshot().secrets[0]?.data ?? {}), [
      'tls.crt',
      'tls.key',
      'extra',
    ]);
  });

  test('an unreferenced TLS Secret is never requested: every Secret request names one Secret', async () => {
    const h = harness();
    h.api.put(secretsIn('team'), secret('team', 'site-tls'));
    h.api.put(secretsIn('team'), secret('team', 'unreferenced-tls'));
    h.api.put(secretsIn('team'), secret('team', 'password', 'Opaque'));
    h.api.put(secretsIn('other'), secret('other', 'site-tls'));
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['site-tls', 'password']));
    h.source.start();
    await waitFor(() => h.source.hasSynced() && secretNames(h).includes('team/site-tls'), 'synced');

    const requests = secretRequests(h);
    assert.ok(requests.length > 0);
    for (const r of requests) {
      assert.match(r.path, /^\/api\/v1\/namespaces\/team\/secrets$/, 'in the namespace of the Ingress');
      assert.match(r.query.fieldSelector ?? '', /^metadata\.name=[^,]+,type=kubernetes\.io\/tls$/);
    }
    assert.deepEqual([...new Set(requests.map((r) => r.query.fieldSelector))].sort(), [
      byName('password'),
      byName('site-tls'),
    ]);
    assert.ok(!JSON.stringify(requests).includes('unreferenced-tls'));
    // The Opaque Secret is referenced, but the type selector keeps its payload on the server.
    assert.deepEqual(secretNames(h), ['team/site-tls']);
    assert.deepEqual(
      h.source.snapshot().secrets.map((s) => Object.keys(s.data ?? {})),
      [['tls.crt', 'tls.key']],
    );
    await h.source.stop();
  });

  test('a watch starts with the first reference and stops after the last; references share one watch', async () => {
    const h = harness();
    h.api.put(secretsIn('team'), secret('team', 'site-tls'));
    await startSynced(h);
    assert.equal(h.source.secretWatches(), 0);
    assert.deepEqual(secretRequests(h), [], 'no Ingress, no Secret request');

    h.api.put(PATHS.ingresses, ingress('team', 'a', 'a.example.com', ['site-tls']));
    await waitFor(() => secretNames(h).length === 1, 'the referenced Secret is read');
    h.api.put(PATHS.ingresses, ingress('team', 'b', 'b.example.com', ['site-tls']));
    await waitFor(() => ingressNames(h.source).length === 2, 'second Ingress seen');
    assert.deepEqual(watchedSecrets(h), ['team/site-tls']);
    assert.equal(h.api.lists.filter((l) => l.query.fieldSelector === byName('site-tls')).length, 1);
    assert.equal(h.source.secretWatches(), 1);

    h.api.remove(PATHS.ingresses, 'team/a');
    await waitFor(() => ingressNames(h.source).length === 1, 'first Ingress gone');
    assert.deepEqual(watchedSecrets(h), ['team/site-tls'], 'still referenced by b');

    h.api.remove(PATHS.ingresses, 'team/b');
    await waitFor(() => watchedSecrets(h).length === 0, 'the last reference gone, the watch stops');
    assert.equal(h.source.secretWatches(), 0);
    assert.deepEqual(secretNames(h), []);
    const listed = h.source.stats().secrets.lists;
    assert.equal(listed, 1, 'counters of a stopped watch are kept');

    h.api.put(PATHS.ingresses, ingress('team', 'c', 'c.example.com', ['site-tls']));
    await waitFor(() => secretNames(h).length === 1, 'referenced again: a fresh LIST');
    assert.equal(h.source.stats().secrets.lists, 2);
    await h.source.stop();
  });

  test('a Secret created after its Ingress reaches the snapshot through the per-name watch; deleting it removes it', async () => {
    const h = harness();
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['late-tls']));
    await startSynced(h, 1);
    assert.deepEqual(secretNames(h), []);
    h.api.put(secretsIn('team'), secret('team', 'unrelated-tls'));
    h.api.put(secretsIn('team'), secret('team', 'late-tls'));
    await waitFor(() => secretNames(h).length === 1, 'the Secret appears');
    assert.deepEqual(secretNames(h), ['team/late-tls']);
    h.api.remove(secretsIn('team'), 'team/late-tls');
    await waitFor(() => secretNames(h).length === 0, 'the Secret is deleted');
    await h.source.stop();
  });

  test('hasSynced() waits for the Secrets the first Ingress LIST references, and stays true afterwards', async () => {
    const h = harness();
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['site-tls']));
    h.api.put(secretsIn('team'), secret('team', 'site-tls'));
    h.api.failNext('list', new Error('connect ECONNREFUSED'), secretsIn('team'));
    h.source.start();
    await waitFor(
      () =>
        (['ingresses', 'ingressClasses', 'services', 'endpointSlices'] as const).every(
          (k) => h.source.stats()[k].synced,
        ),
      'every kind listed',
    );
    await waitFor(() => h.notices.some((n) => n.object === 'team/site-tls' && n.what === 'error'), 'failed');
    assert.equal(h.source.hasSynced(), false, "the Ingress's Secret has not been listed yet");
    await h.clock.fireNext(); // the back-off before retrying the Secret's LIST
    await waitFor(() => h.source.hasSynced(), 'synced once the Secret listed');
    assert.deepEqual(secretNames(h), ['team/site-tls']);

    // A later reference whose LIST hangs does not make the source unready again.
    h.api.hangNext('list', secretsIn('team'));
    h.api.put(PATHS.ingresses, ingress('team', 'blog', 'blog.example.com', ['blog-tls']));
    await waitFor(() => h.source.secretWatches() === 2, 'second watch started');
    assert.equal(h.source.hasSynced(), true);
    await h.source.stop();
  });

  test('a new reference is not shown before its Secret has been listed (or failed), and the old Secret stays until then', async () => {
    const h = harness();
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['old-tls']));
    h.api.put(secretsIn('team'), secret('team', 'old-tls'));
    h.api.put(secretsIn('team'), secret('team', 'new-tls'));
    await startSynced(h, 1);
    const tlsOf = () => h.source.snapshot().ingresses[0]?.spec?.tls?.[0]?.secretName;

    h.api.hangNext('list', secretsIn('team'));
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['new-tls']));
    await waitFor(
      () => h.api.lists.some((l) => l.query.fieldSelector === byName('new-tls')),
      'LIST of the new Secret sent',
    );
    assert.equal(tlsOf(), 'old-tls', 'the Ingress as it was, while its new Secret is read');
    assert.deepEqual(secretNames(h), ['team/old-tls'], 'with the Secret it uses');

    const changes = h.counter.changes;
    await h.clock.fireNext(); // the hung LIST times out: the Secret reads as missing for now
    await waitFor(() => h.counter.changes > changes, 'listeners told');
    assert.equal(tlsOf(), 'new-tls');
    await waitFor(() => watchedSecrets(h).join() === '', 'old watch stopped; the new one backs off');
    await h.clock.fireNext(); // back-off, then the LIST again
    await waitFor(() => secretNames(h).join() === 'team/new-tls', 'the new Secret read');
    assert.deepEqual(watchedSecrets(h), ['team/new-tls']);
    await h.source.stop();
  });

  test('a per-name watch keeps the watch guarantees: resumes from its resourceVersion, relists on 410', async () => {
    const h = harness();
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['site-tls']));
    h.api.put(secretsIn('team'), secret('team', 'site-tls'));
    await startSynced(h, 1);
    const w = h.api.current(secretsIn('team'));
    assert.equal(w.query.allowWatchBookmarks, 'true');
    assert.equal(w.query.fieldSelector, byName('site-tls'));
    w.send({ type: 'BOOKMARK', object: { kind: 'Secret', metadata: { resourceVersion: '5000' } } });
    w.end();
    await waitFor(() => h.api.watches.filter((x) => x.path === secretsIn('team')).length === 2, 'rewatched');
    assert.equal(h.api.current(secretsIn('team')).query.resourceVersion, '5000');
    h.api.current(secretsIn('team')).send({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    await waitFor(() => h.source.stats().secrets.lists === 2, 'relisted after 410');
    assert.equal(h.source.stats().secrets.restarts.gone, 1);
    await h.source.stop();
  });

  test('a server that ignores the field selector still cannot make us hold another Secret', async () => {
    const h = harness();
    h.api.ignoreFieldSelectors = true;
    h.api.put(secretsIn('team'), secret('team', 'site-tls'));
    h.api.put(secretsIn('team'), secret('team', 'other-tls'));
    h.api.put(secretsIn('team'), secret('team', 'password', 'Opaque'));
    h.api.put(PATHS.ingresses, ingress('team', 'shop', 'shop.example.com', ['site-tls']));
    await startSynced(h, 1);
    h.api.put(secretsIn('team'), secret('team', 'another-tls'));
    h.api.put(secretsIn('team'), secret('team', 'site-tls'));
    await waitFor(() => h.source.stats().secrets.events.MODIFIED === 1, 'events applied');
    assert.deepEqual(secretNames(h), ['team/site-tls']);
    await h.source.stop();
  });

  test('under --watch-namespace a reference elsewhere (the default certificate) is never requested', async () => {
    const h = harness({ watchNamespace: 'team', references: tlsReferences(['ingress/fallback']) });
    h.api.put(
      '/apis/networking.k8s.io/v1/namespaces/team/ingresses',
      ingress('team', 'a', 'a.test', ['a-tls']),
    );
    await startSynced(h, 1);
    assert.deepEqual(watchedSecrets(h), ['team/a-tls']);
    assert.ok(secretRequests(h).every((r) => r.path === secretsIn('team')));
    await h.source.stop();
  });

  test('at most maxSecretWatches Secrets are watched, the first references first; the rest are reported', async () => {
    const h = harness({ maxSecretWatches: 2, references: tlsReferences(['ingress/fallback']) });
    h.api.put(PATHS.ingresses, ingress('team', 'a', 'a.test', ['a-tls', 'b-tls', 'c-tls']));
    await startSynced(h, 2);
    assert.deepEqual(watchedSecrets(h), ['ingress/fallback', 'team/a-tls']);
    assert.deepEqual(
      h.source.diagnostics().map((d) => [d.object.name, d.reason]),
      [['--max-secret-watches', 'SecretWatchLimit']],
    );
    assert.match(
      h.source.diagnostics()[0].message,
      /4 Secrets are referenced.*not read: team\/b-tls, team\/c-tls$/,
    );
    assert.ok(!JSON.stringify(secretRequests(h)).includes('b-tls'));

    h.api.put(PATHS.ingresses, ingress('team', 'a', 'a.test', ['b-tls']));
    await waitFor(() => watchedSecrets(h).join() === 'ingress/fallback,team/b-tls', 'room for b-tls');
    assert.deepEqual(h.source.diagnostics(), []);
    await h.source.stop();
  });

  test('stop() ends every Secret watch and leaves no timer armed', async () => {
    const h = harness();
    h.api.put(PATHS.ingresses, ingress('team', 'a', 'a.test', ['a-tls', 'b-tls']));
    await startSynced(h, 2);
    await h.source.stop();
    assert.deepEqual(h.clock.pending(), []);
    assert.ok(h.api.watches.every((w) => w.closed));
    assert.equal(h.source.secretWatches(), 0);
  });
});
