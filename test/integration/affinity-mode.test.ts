// affinity-mode through a real worker (ingress-nginx annotations.md#session-affinity; balancer/
// sticky_balanced.lua, sticky_persistent.lua): when the backend scales from 2 to 8 endpoints,
// "persistent" sessions all stay where they were; "balanced" ones partly move to the new endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { RouteTable } from '../../dataplane/src/table/types.ts';
import { type Backend, startBackend } from './harness.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';

async function send(w: TableWorker, cookie?: string) {
  const res = await request(w.url('/'), { headers: { host: 'app.test', ...(cookie ? { cookie } : {}) } });
  await res.body.text();
  assert.equal(res.statusCode, 200);
  const setCookie = res.headers['set-cookie'];
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return { backend: String(res.headers['x-backend']), cookie: line?.split(';')[0] };
}

describe('affinity-mode through a worker', () => {
  const backends: Backend[] = [];
  let w: TableWorker;

  const table = (n: number, persistent: boolean): RouteTable =>
    oneRouteTable(
      localBackend(
        backends.slice(0, n).map((b) => b.port),
        {
          balancer: {
            type: 'ConsistentHash',
            on: 'Cookie',
            name: 'route',
            setCookie: persistent ? { name: 'route', persistent } : { name: 'route' },
          },
        },
      ),
    );

  before(async () => {
    for (let i = 0; i < 8; i++) backends.push(await startBackend(`b${i}`));
    w = await startTableWorker(table(2, false));
  });

  after(async () => {
    await w?.stop();
    for (const b of backends) await b.close();
  });

  for (const persistent of [true, false]) {
    it(`${persistent ? 'persistent' : 'balanced'}: scaling 2 → 8 endpoints ${persistent ? 'moves no session' : 'moves some sessions'}`, async () => {
      await w.apply(table(2, persistent));
      const sessions: Array<{ cookie: string; home: string }> = [];
      for (let c = 0; c < 40; c++) {
        const first = await send(w);
        assert.ok(first.cookie !== undefined, 'a new client gets the affinity cookie');
        assert.equal((await send(w, first.cookie)).backend, first.backend);
        sessions.push({ cookie: first.cookie, home: first.backend });
      }
      await w.apply(table(8, persistent));
      let moved = 0;
      for (const s of sessions) {
        const now = await send(w, s.cookie);
        if (now.backend !== s.home) moved++;
        assert.equal(now.cookie, undefined, 'a session whose endpoint exists keeps its cookie');
      }
      // Balanced: the ring gives the 6 new endpoints about 3/4 of the keys; 40 sessions all
      // staying has probability about (1/4)^40.
      if (persistent) assert.equal(moved, 0);
      else assert.ok(moved > 0, 'balanced rebalances on scale-up');
    });
  }
});
