// A RoutePolicy's canary through real workers (standalone manifests, two workers): its header sends
// a request to the canary Service ("always") or keeps it on the main one ("never"), and its weight
// splits the rest, as a canary Ingress does (annotations.md#canary); narrowed to one path, the
// other path keeps all its traffic on the main Service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

function routePolicy(spec: Record<string, unknown>): object {
  return {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: { name: 'canary', namespace: 'apps', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'shop' }], ...spec },
  };
}

describe('RoutePolicy canary through workers (standalone manifests)', () => {
  const dir = new ManifestDir();
  let main: Backend;
  let canary: Backend;
  let g: Gatehouse;

  const backendOf = async (path: string, headers: Record<string, string> = {}) => {
    const res = await get(g, HOST, path, headers);
    assert.equal(res.status, 200, res.body);
    return res.json().backend as string;
  };

  before(async () => {
    main = await startBackend('main');
    canary = await startBackend('canary');
    dir.write('app.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'main', [main]),
      ...serviceFor('apps', 'canary', [canary]),
      ingress('apps', 'shop', [
        {
          host: HOST,
          paths: [
            { path: '/', service: 'main' },
            { path: '/api', service: 'main' },
          ],
        },
      ]),
    ]);
    dir.write('policy.yaml', [
      routePolicy({
        paths: ['/api'],
        canary: { backend: { name: 'canary', portName: 'http' }, header: { name: 'X-Canary' }, weight: 50 },
      }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await main?.close();
    await canary?.close();
    dir.cleanup();
  });

  it('the header: "always" reaches the canary, "never" the main Service, every time', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal(await backendOf('/api', { 'x-canary': 'always' }), 'canary');
      assert.equal(await backendOf('/api', { 'x-canary': 'never' }), 'main');
    }
  });

  it('without the header, weight 50 sends requests to both; the path the policy does not name stays on main', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const to = await backendOf('/api');
      seen.set(to, (seen.get(to) ?? 0) + 1);
    }
    // Each worker splits by smooth weighted round robin: 1:1 over its own requests, so both get a share.
    assert.ok((seen.get('canary') ?? 0) >= 10 && (seen.get('main') ?? 0) >= 10, JSON.stringify([...seen]));
    for (let i = 0; i < 10; i++) assert.equal(await backendOf('/'), 'main');
  });

  it('weight 100 edited in: every request without the header reaches the canary', async () => {
    dir.write('policy.yaml', [
      routePolicy({ paths: ['/api'], canary: { backend: { name: 'canary' }, weight: 100 } }),
    ]);
    // Only the edited policy (no header any more) sends a request saying "never" to the canary.
    await waitFor(
      'the edited policy',
      async () => (await backendOf('/api', { 'x-canary': 'never' })) === 'canary',
    );
    for (let i = 0; i < 10; i++) assert.equal(await backendOf('/api'), 'canary');
    assert.equal(await backendOf('/'), 'main');
  });
});
