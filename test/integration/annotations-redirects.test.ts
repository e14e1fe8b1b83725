// ssl-redirect, force-ssl-redirect and mirror-target through real workers (ingress-nginx
// annotations.md#server-side-https-enforcement-through-redirect, #mirror): the HTTPS redirect is
// decided per Ingress path, and a mirrored request's copy reaches a second Service.
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
  waitFor,
  withAnnotations,
  withTls,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';

const P = 'nginx.ingress.kubernetes.io';

describe('ingress-nginx HTTPS redirect and mirror annotations through workers', () => {
  const dir = new ManifestDir();
  let main: Backend;
  let shadow: Backend;
  let g: Gatehouse;

  before(async () => {
    main = await startBackend('main');
    shadow = await startBackend('shadow');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'main', [main]),
      ...serviceFor('apps', 'shadow', [shadow]),
      tlsSecret('apps', 'secure-tls', selfSignedCertificate({ dnsNames: ['secure.example'] })),
      withTls(
        ingress('apps', 'secure', [{ host: 'secure.example', paths: [{ path: '/', service: 'main' }] }]),
        ['secure.example'],
        'secure-tls',
      ),
      withAnnotations(
        ingress('apps', 'open', [{ host: 'secure.example', paths: [{ path: '/open', service: 'main' }] }]),
        { [`${P}/ssl-redirect`]: 'false' },
      ),
      withAnnotations(
        ingress('apps', 'forced', [{ host: 'plain.example', paths: [{ path: '/', service: 'main' }] }]),
        { [`${P}/force-ssl-redirect`]: 'true' },
      ),
      withAnnotations(
        ingress('apps', 'mirrored', [{ host: 'mirrored.example', paths: [{ path: '/', service: 'main' }] }]),
        { [`${P}/mirror-target`]: 'http://shadow.apps.svc.cluster.local$request_uri' },
      ),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await main?.close();
    await shadow?.close();
    dir.cleanup();
  });

  it('a TLS host\'s paths redirect plain HTTP with 308; ssl-redirect "false" serves its Ingress\'s path', async () => {
    const redirected = await get(g, 'secure.example', '/a?b=1');
    assert.equal(redirected.status, 308);
    assert.equal(redirected.headers.get('location'), `https://secure.example:${g.httpsPort}/a?b=1`);
    const open = await get(g, 'secure.example', '/open/page');
    assert.equal(open.status, 200, open.body);
    assert.equal(open.json().path, '/open/page');
  });

  it('force-ssl-redirect redirects a host without TLS with 308', async () => {
    const res = await get(g, 'plain.example', '/x');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), `https://plain.example:${g.httpsPort}/x`);
  });

  it("mirror-target: a copy reaches the second Service, Host the target's name; the client gets the main answer", async () => {
    const res = await get(g, 'mirrored.example', '/m/1?q=2');
    assert.equal(res.status, 200);
    assert.equal(res.json().backend, 'main');
    const copy = await waitFor('the mirrored copy', () => shadow.seen.find((r) => r.url === '/m/1?q=2'));
    assert.equal(copy.headers.host, 'shadow.apps.svc.cluster.local');
  });
});
