// A RoutePolicy (gatehouse.dev/v1alpha1) read from the manifest folder in standalone mode and
// applied by real workers to the routes of the Ingress it targets: a response header set and a
// response-header timeout, narrowed to one path; an invalid policy beside it is reported and
// left out while the rest keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import {
  type Backend,
  type Gatehouse,
  get,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from './harness.ts';

const HOST = 'shop.test';

function routePolicy(name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: { name, namespace: 'apps', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'shop' }], ...spec },
  };
}

describe('RoutePolicy through workers (standalone manifests)', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;

  before(async () => {
    // /slow never answers: only a response-header timeout ends the exchange.
    backend = await startBackend('web', (req, res) => {
      if (req.url?.startsWith('/slow')) return;
      res.writeHead(200, { 'x-backend': 'web' });
      res.end('ok');
    });
    dir.write('app.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'web', [backend]),
      ingress('apps', 'shop', [
        {
          host: HOST,
          paths: [
            { path: '/', service: 'web' },
            { path: '/slow', service: 'web' },
          ],
        },
      ]),
    ]);
    dir.write('policy.yaml', [
      routePolicy('headers', { responseHeaders: { set: [{ name: 'X-Policy', value: 'headers' }] } }),
      routePolicy('slow', {
        paths: ['/slow'],
        timeouts: { responseHeader: '300ms' },
        responseHeaders: { set: [{ name: 'X-Policy', value: 'slow' }] },
      }),
      // The schema has no `timeout`: refused like the apiserver would, with a diagnostic.
      routePolicy('typo', { timeout: '1s' }),
    ]);
    g = await startGatehouse(dir.dir);
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });

  it('sets the response header its policy names on the routes it wins', async () => {
    const r = await get(g, HOST, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-policy'), 'headers');
  });

  it('answers 504 once the policy’s response-header timeout passes, on the path it is narrowed to', async () => {
    // Far beyond 300 ms and far below the 60 s default: only the policy's timeout can answer in between.
    const res = await request(g.url('/slow'), { headers: { host: HOST }, headersTimeout: 30_000 });
    await res.body.text();
    assert.equal(res.statusCode, 504);
    assert.equal(backend.seen.filter((s) => s.url === '/slow').length >= 1, true);
  });

  it('reports the invalid policy and serves on', async () => {
    assert.match(
      g.output(),
      /RoutePolicy[^\n]*typo[^\n]*has no field timeout|has no field timeout[^\n]*typo/,
    );
    assert.equal((await get(g, HOST, '/')).status, 200);
  });

  it('a policy edited in its file takes effect without a restart', async () => {
    dir.write('policy.yaml', [
      routePolicy('headers', { responseHeaders: { set: [{ name: 'X-Policy', value: 'edited' }] } }),
    ]);
    await waitFor(
      'the edited header',
      async () => (await get(g, HOST, '/')).headers.get('x-policy') === 'edited',
    );
  });
});
