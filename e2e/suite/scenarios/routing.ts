// Routing real requests to real backends by host and path, as the API objects say.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { request } from 'undici';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import { createService, servedBy } from '../lib.ts';
import { ingress } from '../objects.ts';

export function routingScenario(): void {
  describe('routing', () => {
    const host = 'shop.routing.test';
    let names: string[];

    before(async () => {
      const { admin, backends, gatehouse } = suite();
      names = backends.map((b) => b.name);
      const ns = await suite().newNamespace('routing');
      await createService(admin, ns, 'front', [backends[0].ip]);
      await createService(admin, ns, 'api', [backends[1].ip]);
      await createService(admin, ns, 'pool', [backends[2].ip, backends[3].ip]);
      await admin.create(
        ingress(ns, 'shop', host, [
          { path: '/', service: 'front' },
          { path: '/api', service: 'api' },
          { path: '/exact', pathType: 'Exact', service: 'api' },
          { path: '/pool', service: 'pool' },
        ]),
      );
      await waitFor(() => servedBy(gatehouse, host, names[2], '/pool'), { what: 'the routing Ingress' });
    });

    const table = [
      { path: '/', backend: 0, rule: 'Prefix / catches what nothing longer matches' },
      { path: '/api/v1/items?x=1', backend: 1, rule: 'Prefix /api matches /api/v1/items, query kept' },
      { path: '/api', backend: 1, rule: 'Prefix /api matches /api itself' },
      { path: '/apix', backend: 0, rule: 'Prefix /api does not match /apix (element-wise)' },
      { path: '/exact', backend: 1, rule: 'Exact /exact matches /exact' },
      { path: '/exact/more', backend: 0, rule: 'Exact /exact does not match /exact/more' },
    ];
    for (const row of table) {
      test(`${row.rule}`, async () => {
        const answer = await suite().gatehouse.get(host, row.path);
        assert.deepEqual([answer.status, answer.backend, answer.url], [200, names[row.backend], row.path]);
      });
    }

    // Reads a ConfigMap by name in the Ingress's namespace: the audit check (access.ts) expects
    // configmaps list+watch to be used, as the shipped RBAC grants them.
    test('custom-headers: the ConfigMap of the Ingress namespace sets response headers, and follows its changes', async () => {
      const { admin, gatehouse } = suite();
      const ns = await suite().newNamespace('headers');
      await createService(admin, ns, 'front', [suite().backends[0].ip]);
      const configMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'custom-headers', namespace: ns },
        data: { 'X-Gatehouse-E2E': 'one' },
      };
      await admin.create(configMap);
      const headersHost = 'headers.routing.test';
      await admin.create(
        ingress(ns, 'headers', headersHost, [{ path: '/', service: 'front' }], {
          annotations: { 'nginx.ingress.kubernetes.io/custom-headers': `${ns}/custom-headers` },
        }),
      );
      const header = async () => (await gatehouse.get(headersHost, '/')).headers['x-gatehouse-e2e'];
      await waitFor(async () => (await header()) === 'one', { what: 'the custom header' });
      await admin.patch(configMap, { data: { 'X-Gatehouse-E2E': 'two' } });
      await waitFor(async () => (await header()) === 'two', { what: 'the changed custom header' });
    });

    test('an unknown host gets 404 from Gatehouse, not a backend', async () => {
      const answer = await suite().gatehouse.get('nobody.routing.test', '/');
      assert.equal(answer.status, 404);
      assert.equal(answer.backend, undefined);
    });

    test('a Service with two ready endpoints spreads requests over both backends', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 40 && seen.size < 2; i++) {
        const answer = await suite().gatehouse.get(host, '/pool');
        assert.equal(answer.status, 200);
        seen.add(String(answer.backend));
      }
      assert.deepEqual([...seen].sort(), [names[2], names[3]]);
    });

    test('30 concurrent requests on fresh connections are all routed to the right backend', async () => {
      // Fresh connections land on whichever worker the kernel picks: each must hold the route.
      const g = suite().gatehouse;
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          request(`http://127.0.0.1:${g.httpPort}/api/x`, {
            headers: { host },
            reset: true,
            signal: AbortSignal.timeout(5000),
          }).then(async (r) => [r.statusCode, ((await r.body.json()) as { backend: string }).backend]),
        ),
      );
      assert.deepEqual(new Set(answers.map((a) => a.join(' '))), new Set([`200 ${names[1]}`]));
    });
  });
}
