import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type ApiCall, accessFor, httpRequestOf, RESOURCES } from './access.ts';
import { KubeHttp } from './kube-http.ts';

describe('API requests are built from the access table', () => {
  const cases: Array<[string, ApiCall, string, string]> = [
    ['list across namespaces', { resource: RESOURCES.services, verb: 'list' }, 'GET', '/api/v1/services'],
    [
      'list of one Secret by name',
      {
        resource: RESOURCES.secrets,
        verb: 'list',
        namespace: 'team',
        query: { fieldSelector: 'metadata.name=site-tls,type=kubernetes.io/tls' },
      },
      'GET',
      '/api/v1/namespaces/team/secrets',
    ],
    [
      'watch in one namespace',
      { resource: RESOURCES.endpointSlices, verb: 'watch', namespace: 'team' },
      'GET',
      '/apis/discovery.k8s.io/v1/namespaces/team/endpointslices?watch=true',
    ],
    [
      'a cluster-scoped kind ignores the namespace',
      { resource: RESOURCES.ingressClasses, verb: 'list', namespace: 'team' },
      'GET',
      '/apis/networking.k8s.io/v1/ingressclasses',
    ],
    [
      'get of one object',
      { resource: RESOURCES.ingresses, verb: 'get', namespace: 'a b', name: 'web' },
      'GET',
      '/apis/networking.k8s.io/v1/namespaces/a%20b/ingresses/web',
    ],
    [
      'update of a subresource',
      { resource: RESOURCES.ingressStatus, verb: 'update', namespace: 'team', name: 'web' },
      'PUT',
      '/apis/networking.k8s.io/v1/namespaces/team/ingresses/web/status',
    ],
    [
      'create in a collection',
      { resource: RESOURCES.events, verb: 'create', namespace: 'team' },
      'POST',
      '/apis/events.k8s.io/v1/namespaces/team/events',
    ],
    [
      'update of the Lease',
      { resource: RESOURCES.leases, verb: 'update', namespace: 'gatehouse', name: 'gatehouse' },
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/gatehouse/leases/gatehouse',
    ],
  ];
  for (const [why, call, method, url] of cases) {
    test(`${why}: ${method} ${url}`, () => {
      const r = httpRequestOf(call);
      const query = new URLSearchParams(r.query).toString();
      assert.deepEqual([r.method, query ? `${r.path}?${query}` : r.path], [method, url]);
    });
  }

  test('a request outside the table is refused before it is sent (a Secret by name, an Event patch)', async () => {
    assert.throws(() => accessFor(RESOURCES.secrets, 'get'), /secrets:get is not in API_ACCESS/);
    assert.throws(
      () => httpRequestOf({ resource: RESOURCES.events, verb: 'patch', namespace: 'a', name: 'e' }),
      /events:patch is not in API_ACCESS/,
    );
    const kc = new KubeConfig();
    // Nothing listens there: the refusal must come before any connection is tried.
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'http://127.0.0.1:9' }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const client = new KubeHttp(kc);
    await assert.rejects(
      client.json({ resource: RESOURCES.secrets, verb: 'get', namespace: 'a', name: 's' }),
      /not in API_ACCESS/,
    );
    client.close();
  });

  test('Secrets are listed and watched only by metadata.name field selector, in one namespace', () => {
    const byName = { fieldSelector: 'type=kubernetes.io/tls,metadata.name=site-tls' };
    for (const verb of ['list', 'watch'] as const) {
      assert.throws(
        () => httpRequestOf({ resource: RESOURCES.secrets, verb, query: byName }),
        /only by fieldSelector=metadata.name=NAME in one namespace/,
        'across namespaces',
      );
      for (const fieldSelector of ['type=kubernetes.io/tls', 'metadata.name!=x', 'metadata.namespace=team']) {
        assert.throws(
          () =>
            httpRequestOf({ resource: RESOURCES.secrets, verb, namespace: 'team', query: { fieldSelector } }),
          /only by fieldSelector=metadata.name=NAME/,
          fieldSelector,
        );
      }
      assert.equal(
        httpRequestOf({ resource: RESOURCES.secrets, verb, namespace: 'team', query: byName }).path,
        '/api/v1/namespaces/team/secrets',
      );
    }
  });

  test('a name is required exactly for requests on one object, a namespace for namespaced writes', () => {
    assert.throws(
      () => httpRequestOf({ resource: RESOURCES.ingresses, verb: 'get', namespace: 'a' }),
      /name/,
    );
    assert.throws(
      () => httpRequestOf({ resource: RESOURCES.events, verb: 'create', namespace: 'a', name: 'x' }),
      /name/,
    );
    assert.throws(() => httpRequestOf({ resource: RESOURCES.events, verb: 'create' }), /namespace/);
  });
});
