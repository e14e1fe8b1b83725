// Balancing policies through a real worker process: least request, consistent hashing on a
// header, an issued affinity cookie and the client address, and weighted groups. Bounds are
// statistical, not exact counts (except where the algorithm is exact).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { RouteTable } from '../../dataplane/src/table/types.ts';
import { type Backend, startBackend } from './harness.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';

async function send(
  w: TableWorker,
  headers: Record<string, string> = {},
): Promise<{ status: number; backend: string; setCookie: string | undefined }> {
  const res = await request(w.url('/'), { headers: { host: 'app.test', ...headers } });
  await res.body.text();
  const setCookie = res.headers['set-cookie'];
  return {
    status: res.statusCode,
    backend: String(res.headers['x-backend']),
    setCookie: Array.isArray(setCookie) ? setCookie[0] : setCookie,
  };
}

describe('balancing through a worker', () => {
  const backends: Backend[] = [];
  let w: TableWorker;
  let slow: Backend;

  before(async () => {
    for (let i = 0; i < 5; i++) backends.push(await startBackend(`b${i}`));
    slow = await startBackend('slow', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'x-backend': 'slow' });
        res.end('slow');
      }, 150);
    });
    w = await startTableWorker(oneRouteTable(localBackend([backends[0].port])));
  });

  after(async () => {
    await w?.stop();
    for (const b of [...backends, slow]) await b.close();
  });

  it('least request sends a slow endpoint far fewer requests than round robin would (under 20% of 3)', async () => {
    await w.apply(
      oneRouteTable(
        localBackend([slow.port, backends[0].port, backends[1].port], { balancer: { type: 'LeastRequest' } }),
      ),
    );
    const counts = new Map<string, number>();
    // 8 clients, 15 requests each: the slow endpoint holds its requests, so it is usually the busier.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 15; i++) {
          const r = await send(w);
          assert.equal(r.status, 200);
          counts.set(r.backend, (counts.get(r.backend) ?? 0) + 1);
        }
      }),
    );
    const share = (counts.get('slow') ?? 0) / 120;
    assert.ok(share < 0.2, `slow endpoint got ${(share * 100).toFixed(0)}% (${JSON.stringify([...counts])})`);
  });

  it('consistent hashing on a header pins each key, and adding a fifth endpoint keeps most keys', async () => {
    const hashed = (n: number): RouteTable =>
      oneRouteTable(
        localBackend(
          backends.slice(0, n).map((b) => b.port),
          { balancer: { type: 'ConsistentHash', on: 'Header', name: 'X-User' } },
        ),
      );
    await w.apply(hashed(4));
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const before = new Map<string, string>();
    for (const u of users) before.set(u, (await send(w, { 'x-user': u })).backend);
    for (const u of users.slice(0, 20))
      assert.equal((await send(w, { 'x-user': u })).backend, before.get(u), u);
    assert.equal(new Set(before.values()).size, 4, 'keys spread over all four endpoints');

    await w.apply(hashed(5));
    let kept = 0;
    const moved = new Set<string>();
    for (const u of users) {
      const now = (await send(w, { 'x-user': u })).backend;
      if (now === before.get(u)) kept++;
      else moved.add(now);
    }
    assert.ok(kept / users.length >= 0.7, `kept ${kept} of ${users.length}`);
    assert.deepEqual([...moved], ['b4'], 'keys that moved went to the new endpoint only');
  });

  it('an affinity cookie issued by the proxy pins each client to one endpoint', async () => {
    await w.apply(
      oneRouteTable(
        localBackend(
          backends.slice(0, 4).map((b) => b.port),
          {
            balancer: {
              type: 'ConsistentHash',
              on: 'Cookie',
              name: 'gh-route',
              setCookie: { name: 'gh-route', path: '/', ttlSeconds: 600 },
            },
          },
        ),
      ),
    );
    const homes = new Set<string>();
    for (let client = 0; client < 12; client++) {
      const first = await send(w);
      assert.match(first.setCookie ?? '', /^gh-route=[\w.-]+\|[0-9a-z]+; Path=\/; HttpOnly; Max-Age=600$/);
      const cookie = first.setCookie!.split(';')[0];
      homes.add(first.backend);
      for (let i = 0; i < 5; i++) {
        const later = await send(w, { cookie });
        assert.equal(later.backend, first.backend, `client ${client} request ${i}`);
        assert.equal(later.setCookie, undefined, 'a client with the cookie is not given another');
      }
    }
    assert.ok(homes.size >= 2, `12 clients all on ${[...homes]}: cookies do not spread`);
  });

  it('hashing on the client address keeps one client on one endpoint', async () => {
    await w.apply(
      oneRouteTable(
        localBackend(
          backends.slice(0, 4).map((b) => b.port),
          { balancer: { type: 'ConsistentHash', on: 'ClientAddress' } },
        ),
      ),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) seen.add((await send(w, { 'x-request-id': `r${i}` })).backend);
    assert.equal(seen.size, 1);
  });

  it('weighted backend groups split 90/10 over 100 requests (canary)', async () => {
    const table = oneRouteTable(localBackend([backends[0].port]), {
      backends: [
        { backend: 'b', weight: 90 },
        { backend: 'canary', weight: 10 },
      ],
    });
    table.backends.canary = localBackend([backends[1].port]);
    await w.apply(table);
    let canary = 0;
    for (let i = 0; i < 100; i++) if ((await send(w)).backend === 'b1') canary++;
    assert.equal(canary, 10);
  });
});
