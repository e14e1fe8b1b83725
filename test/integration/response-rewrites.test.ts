// proxy-redirect-from/-to and proxy-cookie-domain/-path through real workers: a backend's Location,
// Refresh and Set-Cookie reach the client rewritten (ingress-nginx annotations.md#proxy-redirect,
// #proxy-cookie-domain, #proxy-cookie-path; nginx proxy_redirect, proxy_cookie_*).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  withAnnotations,
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';

async function fetchRaw(g: Gatehouse, host: string) {
  const res = await request(g.url('/'), { headers: { host } });
  await res.body.text();
  return res;
}

describe('response header rewrites through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app', (_req, res) => {
      res.writeHead(302, {
        location: 'http://internal:8080/x',
        refresh: '0; url=http://internal:8080/y',
        'set-cookie': ['session=1; Domain=internal; Path=/app', 'other=2; Domain=elsewhere; Path=/app/sub'],
      });
      res.end();
    });
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      withAnnotations(
        ingress('apps', 'rewritten', [{ host: 'rw.example', paths: [{ path: '/', service: 'app' }] }]),
        {
          [`${P}/proxy-redirect-from`]: 'http://internal:8080/',
          [`${P}/proxy-redirect-to`]: 'https://rw.example/',
          [`${P}/proxy-cookie-domain`]: 'internal rw.example',
          [`${P}/proxy-cookie-path`]: '/app /',
        },
      ),
      ingress('apps', 'plain', [{ host: 'plain.example', paths: [{ path: '/', service: 'app' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    dir.cleanup();
  });

  it('Location, Refresh and every Set-Cookie Domain/Path are rewritten', async () => {
    const res = await fetchRaw(g, 'rw.example');
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://rw.example/x');
    assert.equal(res.headers.refresh, '0; url=https://rw.example/y');
    assert.deepEqual(res.headers['set-cookie'], [
      'session=1; Domain=rw.example; Path=/',
      'other=2; Domain=elsewhere; Path=//sub',
    ]);
  });

  it('an Ingress without the annotations relays them as the backend sent them', async () => {
    const res = await fetchRaw(g, 'plain.example');
    assert.equal(res.headers.location, 'http://internal:8080/x');
    assert.deepEqual(res.headers['set-cookie'], [
      'session=1; Domain=internal; Path=/app',
      'other=2; Domain=elsewhere; Path=/app/sub',
    ]);
  });
});
