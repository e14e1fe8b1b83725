// upstream-hash-by-subset through real workers (annotations.md#custom-nginx-upstream-hashing,
// ingress-nginx balancer/chashsubset.lua): over many requests one key reaches at most
// upstream-hash-by-subset-size endpoints, and every endpoint of its subset.
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

describe('upstream-hash-by-subset through real workers', () => {
  const dir = new ManifestDir();
  const backends: Backend[] = [];
  let g: Gatehouse;

  const reached = async (host: string, user: string, n: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const res = await get(g, host, '/', { 'x-user': user });
      assert.equal(res.status, 200, res.body);
      seen.add(res.json().backend as string);
    }
    return seen;
  };

  before(async () => {
    for (let i = 0; i < 7; i++) backends.push(await startBackend(`e${i}`));
    const hashed = (host: string, extra: Record<string, string>) =>
      withAnnotations(
        ingress('apps', host.split('.')[0], [{ host, paths: [{ path: '/', service: 'svc' }] }]),
        { [`${P}/upstream-hash-by`]: '$http_x_user', ...extra },
      );
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'svc', backends),
      hashed('subset.example', { [`${P}/upstream-hash-by-subset`]: 'true' }),
      hashed('two.example', {
        [`${P}/upstream-hash-by-subset`]: 'true',
        [`${P}/upstream-hash-by-subset-size`]: '2',
      }),
      hashed('plain.example', {}),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    for (const b of backends) await b.close();
    dir.cleanup();
  });

  it('default size 3: each key reaches exactly 3 endpoints over 60 requests, and keys spread', async () => {
    const all = new Set<string>();
    for (let k = 0; k < 12; k++) {
      const seen = await reached('subset.example', `user-${k}`, 60);
      // 60 uniform picks of 3 miss one with probability 3·(2/3)^60 ≈ 1e-10.
      assert.equal(seen.size, 3, `user-${k} reached ${[...seen]}`);
      for (const b of seen) all.add(b);
    }
    assert.ok(all.size >= 5, `12 keys reached only ${[...all]}`);
  });

  it('size 2: each key reaches exactly 2 endpoints', async () => {
    for (let k = 0; k < 8; k++) {
      const seen = await reached('two.example', `user-${k}`, 50);
      assert.equal(seen.size, 2, `user-${k} reached ${[...seen]}`);
    }
  });

  it('without the subset a key reaches one endpoint', async () => {
    for (let k = 0; k < 5; k++) assert.equal((await reached('plain.example', `user-${k}`, 20)).size, 1);
  });
});
