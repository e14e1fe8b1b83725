// Supported ingress-nginx annotations through real workers: proxy-read-timeout answers 504 from
// a slow backend, permanent-redirect answers 301 with its Location, and affinity: cookie pins a
// client to one endpoint (annotations.md#custom-timeouts, #permanent-redirect, #session-affinity).
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

describe('ingress-nginx routing annotations through workers', () => {
  const dir = new ManifestDir();
  const pending: Array<() => void> = [];
  let slow: Backend;
  let one: Backend;
  let two: Backend;
  let g: Gatehouse;

  before(async () => {
    // Never answers on its own: the request is released when the test ends.
    slow = await startBackend('slow', (_req, res) => {
      pending.push(() => res.end('late'));
    });
    one = await startBackend('one');
    two = await startBackend('two');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'slow', [slow]),
      ...serviceFor('apps', 'pair', [one, two]),
      withAnnotations(
        ingress('apps', 'slow', [{ host: 'slow.example', paths: [{ path: '/', service: 'slow' }] }]),
        {
          [`${P}/proxy-read-timeout`]: '1',
        },
      ),
      withAnnotations(
        ingress('apps', 'moved', [{ host: 'moved.example', paths: [{ path: '/', service: 'pair' }] }]),
        {
          [`${P}/permanent-redirect`]: 'https://new.example/landing',
        },
      ),
      withAnnotations(
        ingress('apps', 'sticky', [{ host: 'sticky.example', paths: [{ path: '/', service: 'pair' }] }]),
        {
          [`${P}/affinity`]: 'cookie',
          [`${P}/session-cookie-name`]: 'route',
        },
      ),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    for (const release of pending) release();
    await g?.stop();
    await slow?.close();
    await one?.close();
    await two?.close();
    dir.cleanup();
  });

  it('proxy-read-timeout: "1" answers 504 when the backend sends nothing', async () => {
    const res = await get(g, 'slow.example', '/');
    assert.equal(res.status, 504, res.body);
    assert.equal(slow.seen.length >= 1, true);
  });

  it('permanent-redirect answers 301 with the Location, never reaching the backend', async () => {
    const before = one.seen.length + two.seen.length;
    const res = await get(g, 'moved.example', '/old/page');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), 'https://new.example/landing');
    assert.equal(one.seen.length + two.seen.length, before);
  });

  it('affinity: cookie pins every request carrying the cookie to one endpoint', async () => {
    const first = await get(g, 'sticky.example', '/');
    assert.equal(first.status, 200);
    const setCookie = first.headers.get('set-cookie') ?? '';
    const m = /^route=([^;]+)/.exec(setCookie);
    assert.ok(m, `Set-Cookie: ${setCookie}`);
    const pinned = first.json().backend;
    for (let i = 0; i < 10; i++) {
      const res = await get(g, 'sticky.example', '/', { cookie: `route=${m[1]}` });
      assert.equal(res.status, 200);
      assert.equal(res.json().backend, pinned, `request ${i}`);
    }
  });
});
