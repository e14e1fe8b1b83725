// app-root, server-alias and from-to-www-redirect through real workers (ingress-nginx
// annotations.md#rewrite, #server-alias, #redirect-fromto-www; test/e2e/annotations/approot.go,
// serveralias.go, fromtowwwredirect.go).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
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
  withTls,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';

const P = 'nginx.ingress.kubernetes.io';

describe('ingress-nginx host annotations through workers', () => {
  const dir = new ManifestDir();
  let main: Backend;
  let other: Backend;
  let g: Gatehouse;

  before(async () => {
    main = await startBackend('main');
    other = await startBackend('other');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'main', [main]),
      ...serviceFor('apps', 'other', [other]),
      tlsSecret('apps', 'rooted-tls', selfSignedCertificate({ dnsNames: ['rooted.example'] })),
      withTls(
        withAnnotations(
          ingress('apps', 'rooted', [{ host: 'rooted.example', paths: [{ path: '/', service: 'main' }] }]),
          { [`${P}/app-root`]: '/app1', [`${P}/server-alias`]: 'alias.example, taken.example' },
        ),
        ['rooted.example'],
        'rooted-tls',
      ),
      ingress('apps', 'owner', [{ host: 'taken.example', paths: [{ path: '/', service: 'other' }] }]),
      withAnnotations(
        ingress('apps', 'site', [{ host: 'site.example', paths: [{ path: '/', service: 'main' }] }]),
        { [`${P}/from-to-www-redirect`]: 'true' },
      ),
      withAnnotations(
        ingress('apps', 'www', [{ host: 'www.shop.example', paths: [{ path: '/', service: 'main' }] }]),
        { [`${P}/from-to-www-redirect`]: 'true' },
      ),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await main?.close();
    await other?.close();
    dir.cleanup();
  });

  it('app-root: / gets 302 to the root on the same scheme and Host, port kept, query dropped, before the HTTPS redirect', async () => {
    const res = await get(g, `rooted.example:${g.httpPort}`, '/?a=1');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `http://rooted.example:${g.httpPort}/app1`);
    assert.equal(main.seen.length, 0);
    const bare = await get(g, 'rooted.example', '/');
    assert.equal(bare.headers.get('location'), 'http://rooted.example/app1');
  });

  it("app-root: every other path keeps the host's HTTPS redirect", async () => {
    const res = await get(g, 'rooted.example', '/app1');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), `https://rooted.example:${g.httpsPort}/app1`);
  });

  it("server-alias: the alias is served like the rule host, app-root included; another Ingress's host is not taken", async () => {
    const root = await get(g, 'alias.example', '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), 'http://alias.example/app1');
    const page = await get(g, 'alias.example', '/page');
    assert.equal(page.status, 308, 'the alias shares the host certificate and its HTTPS redirect');
    const taken = await get(g, 'taken.example', '/');
    assert.equal(taken.status, 200, taken.body);
    assert.equal(taken.json().backend, 'other');
  });

  it('from-to-www-redirect: www.host → host and host → www.host with 308, path, query and port kept', async () => {
    const www = await get(g, `www.site.example:${g.httpPort}`, '/p/q?x=1');
    assert.equal(www.status, 308);
    assert.equal(www.headers.get('location'), `http://site.example:${g.httpPort}/p/q?x=1`);
    const bare = await get(g, 'shop.example', '/');
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), 'http://www.shop.example/');
    const served = await get(g, 'site.example', '/p');
    assert.equal(served.status, 200, served.body);
    assert.equal(served.json().backend, 'main');
  });
});
