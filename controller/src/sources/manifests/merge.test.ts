import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnyObject, Service } from '../../snapshot.ts';
import { mergeManifests } from './merge.ts';

function service(namespace: string, name: string, port = 80): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { ports: [{ port }] } };
}

const names = (objects: AnyObject[]) =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('mergeManifests', () => {
  test('each kind lands in its own list, sorted by namespace then name', () => {
    const { snapshot, diagnostics } = mergeManifests([
      {
        path: 'b.yaml',
        objects: [
          service('shop', 'web'),
          { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'z' } },
          service('blog', 'web'),
        ],
      },
      {
        path: 'a.yaml',
        objects: [
          service('shop', 'api'),
          { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'a' } },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { namespace: 'shop', name: 'tls' },
            type: 'kubernetes.io/tls',
          },
        ],
      },
    ]);
    assert.deepEqual(names(snapshot.services), ['blog/web', 'shop/api', 'shop/web']);
    assert.deepEqual(names(snapshot.ingressClasses), ['/a', '/z']);
    assert.deepEqual(names(snapshot.secrets), ['shop/tls']);
    assert.deepEqual(snapshot.ingresses, []);
    assert.deepEqual(snapshot.endpointSlices, []);
    assert.deepEqual(diagnostics, []);
  });

  test('a duplicate across files: the later file in path order wins, whatever the input order', () => {
    for (const order of [
      ['a.yaml', 'sub/z.yaml'],
      ['sub/z.yaml', 'a.yaml'],
    ]) {
      const files = order.map((path) => ({
        path,
        objects: [service('shop', 'web', path === 'a.yaml' ? 1 : 2)],
      }));
      const { snapshot, diagnostics } = mergeManifests(files);
      assert.deepEqual(snapshot.services, [service('shop', 'web', 2)]);
      assert.equal(diagnostics.length, 1);
      assert.equal(diagnostics[0].reason, 'DuplicateObject');
      assert.deepEqual(diagnostics[0].object, { kind: 'Service', namespace: 'shop', name: 'web' });
      assert.match(diagnostics[0].message, /in a\.yaml and sub\/z\.yaml; the one in sub\/z\.yaml/);
    }
  });

  test('a duplicate within one file: the later document wins', () => {
    const { snapshot, diagnostics } = mergeManifests([
      { path: 'a.yaml', objects: [service('shop', 'web', 1), service('shop', 'web', 2)] },
    ]);
    assert.deepEqual(snapshot.services, [service('shop', 'web', 2)]);
    assert.match(diagnostics[0].message, /twice in a\.yaml/);
  });

  test('the same name in another namespace or of another kind is not a duplicate', () => {
    const { snapshot, diagnostics } = mergeManifests([
      {
        path: 'a.yaml',
        objects: [
          service('shop', 'web'),
          service('blog', 'web'),
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            metadata: { namespace: 'shop', name: 'web' },
          },
        ],
      },
    ]);
    assert.equal(snapshot.services.length, 2);
    assert.equal(snapshot.ingresses.length, 1);
    assert.deepEqual(diagnostics, []);
  });
});
