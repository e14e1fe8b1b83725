// affinity-canary-behavior through real workers (ingress-nginx annotations.md#session-affinity,
// balancer.lua route_to_alternative_balancer): with "sticky" (the default) a client the weight sent
// to the canary carries a cookie naming the canary and stays there, header "never" included; with
// "legacy" the canary issues no cookie and each of that client's requests is weighted afresh. In
// both, a client pinned to the main backend stays there, header "always" included.
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
  withAnnotations,
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';

function pair(host: string, canaryAnnotations: Record<string, string>): object[] {
  const name = host.split('.')[0];
  return [
    withAnnotations(ingress('apps', `${name}-main`, [{ host, paths: [{ path: '/', service: 'main' }] }]), {
      [`${P}/affinity`]: 'cookie',
      [`${P}/session-cookie-name`]: 'route',
    }),
    withAnnotations(
      ingress('apps', `${name}-canary`, [{ host, paths: [{ path: '/', service: 'canary' }] }]),
      {
        [`${P}/canary`]: 'true',
        [`${P}/canary-weight`]: '50',
        [`${P}/canary-by-header`]: 'X-Canary',
        ...canaryAnnotations,
      },
    ),
  ];
}

describe('affinity-canary-behavior through real workers', () => {
  const dir = new ManifestDir();
  let main: Backend;
  let canary: Backend;
  let g: Gatehouse;

  const send = async (host: string, headers: Record<string, string> = {}) => {
    const res = await get(g, host, '/', headers);
    assert.equal(res.status, 200, res.body);
    const setCookie = res.headers.get('set-cookie') ?? undefined;
    return { backend: res.json().backend as string, cookie: setCookie?.split(';')[0] };
  };

  /** Fresh clients until one is sent to `wanted` (weight 50: a few tries); its response. */
  const firstTo = async (host: string, wanted: string) => {
    for (let i = 0; i < 50; i++) {
      const r = await send(host);
      if (r.backend === wanted) return r;
    }
    assert.fail(`no fresh client reached ${wanted} in 50 requests`);
  };

  before(async () => {
    main = await startBackend('main');
    canary = await startBackend('canary');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'main', [main]),
      ...serviceFor('apps', 'canary', [canary]),
      ...pair('sticky.example', {}),
      ...pair('legacy.example', { [`${P}/affinity-canary-behavior`]: 'legacy' }),
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

  it('sticky: a client the weight sent to the canary stays on it, 60 of 60, header "never" too', async () => {
    const first = await firstTo('sticky.example', 'canary');
    assert.ok(first.cookie !== undefined, 'the canary issues the affinity cookie');
    assert.match(first.cookie, /^route=[\w.-]+\|[0-9a-z]+$/);
    for (let i = 0; i < 60; i++) {
      const headers: Record<string, string> = { cookie: first.cookie };
      if (i % 3 === 0) headers['x-canary'] = 'never';
      const r = await send('sticky.example', headers);
      assert.equal(r.backend, 'canary', `request ${i} ${JSON.stringify(headers)}`);
      assert.equal(r.cookie, undefined, 'no new cookie once the client has one');
    }
  });

  for (const host of ['sticky.example', 'legacy.example']) {
    it(`${host.split('.')[0]}: a client pinned to the main backend stays on it, header "always" too`, async () => {
      const first = await firstTo(host, 'main');
      assert.ok(first.cookie !== undefined, 'the main backend issues the affinity cookie');
      for (let i = 0; i < 60; i++) {
        const headers: Record<string, string> = { cookie: first.cookie };
        if (i % 3 === 0) headers['x-canary'] = 'always';
        assert.equal((await send(host, headers)).backend, 'main', `request ${i} ${JSON.stringify(headers)}`);
      }
    });
  }

  it('legacy: a client the weight sent to the canary gets no cookie and is weighted again each time', async () => {
    const first = await firstTo('legacy.example', 'canary');
    assert.equal(first.cookie, undefined, 'a legacy canary issues no affinity cookie');
    // Without a cookie the client is any new client: 60 requests at weight 50 reach both (each
    // worker alternates exactly; all 60 on the canary would need the split to fail outright).
    const seen = { main: 0, canary: 0 } as Record<string, number>;
    for (let i = 0; i < 60; i++) seen[(await send('legacy.example')).backend]++;
    assert.ok(seen.main > 0 && seen.canary > 0, JSON.stringify(seen));
  });
});
