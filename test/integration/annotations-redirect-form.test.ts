// preserve-trailing-slash, use-port-in-redirects and relative-redirects through real workers
// (ingress-nginx annotations.md#server-side-https-enforcement-through-redirect; lua_ingress.lua
// redirect_to_https; test/e2e/annotations/relativeredirects.go).
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

const forced = (name: string, host: string, extra: Record<string, string> = {}) =>
  withAnnotations(ingress('apps', name, [{ host, paths: [{ path: '/', service: 'main' }] }]), {
    [`${P}/force-ssl-redirect`]: 'true',
    ...extra,
  });

describe('ingress-nginx redirect form annotations through workers', () => {
  const dir = new ManifestDir();
  let main: Backend;
  let g: Gatehouse;

  before(async () => {
    main = await startBackend('main');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'main', [main]),
      forced('trimmed', 'trim.example'),
      forced('kept', 'keep.example', { [`${P}/preserve-trailing-slash`]: 'true' }),
      forced('ported', 'port.example', { [`${P}/use-port-in-redirects`]: 'true' }),
      withAnnotations(
        ingress('apps', 'relative', [
          { host: 'rr.example', paths: [{ path: '/something', service: 'main' }] },
        ]),
        { [`${P}/permanent-redirect`]: '/new-location', [`${P}/relative-redirects`]: 'true' },
      ),
      withAnnotations(
        ingress('apps', 'absolute', [
          { host: 'ar.example', paths: [{ path: '/something', service: 'main' }] },
        ]),
        { [`${P}/permanent-redirect`]: '/new-location', [`${P}/relative-redirects`]: 'false' },
      ),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await main?.close();
    dir.cleanup();
  });

  it('by default the HTTPS redirect drops one trailing slash of a URI without query', async () => {
    const res = await get(g, 'trim.example', '/a/');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), `https://trim.example:${g.httpsPort}/a`);
    const query = await get(g, 'trim.example', '/a/?x=1');
    assert.equal(query.headers.get('location'), `https://trim.example:${g.httpsPort}/a/?x=1`);
  });

  it('preserve-trailing-slash "true" keeps it', async () => {
    const res = await get(g, 'keep.example', '/a/');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), `https://keep.example:${g.httpsPort}/a/`);
  });

  it('use-port-in-redirects names the HTTPS port, never the Host header port', async () => {
    const res = await get(g, `port.example:${g.httpPort}`, '/p');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), `https://port.example:${g.httpsPort}/p`);
  });

  it('relative-redirects: a path-only permanent-redirect answers with the path alone', async () => {
    const res = await get(g, 'rr.example', '/something');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/new-location');
  });

  it('without it the path is made absolute on the request scheme and Host name', async () => {
    const res = await get(g, `ar.example:${g.httpPort}`, '/something');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), 'http://ar.example/new-location');
  });
});
