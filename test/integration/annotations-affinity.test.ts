// The affinity cookie's attributes through real workers, as ingress-nginx's balancer/sticky.lua
// sets them (annotations.md#cookie-affinity): HttpOnly always; SameSite from the annotation, left
// out for user agents that reject SameSite=None when conditional-samesite-none is on; Secure when
// forced or when the request came over TLS; Domain from the annotation.
import assert from 'node:assert/strict';
import { request } from 'node:https';
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
const OLD_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/51.0.2704.103 Safari/537.36';
const NEW_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36';

/** The Set-Cookie of an HTTPS request for `host` (self-signed: not verified). */
function httpsSetCookie(g: Gatehouse, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: g.httpsPort,
        servername: host,
        headers: { host },
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['set-cookie'] ?? '')));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('affinity cookie attributes through workers', () => {
  const dir = new ManifestDir();
  let one: Backend;
  let two: Backend;
  let bad: Backend;
  let g: Gatehouse;

  before(async () => {
    one = await startBackend('one');
    two = await startBackend('two');
    bad = await startBackend('bad', (_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'pair', [one, two]),
      ...serviceFor('apps', 'flaky', [one, bad]),
      tlsSecret('apps', 'sticky-tls', selfSignedCertificate({ dnsNames: ['tls.example'] })),
      withAnnotations(
        ingress('apps', 'cross-site', [{ host: 'cross.example', paths: [{ path: '/', service: 'pair' }] }]),
        {
          [`${P}/affinity`]: 'cookie',
          [`${P}/session-cookie-name`]: 'route',
          [`${P}/session-cookie-samesite`]: 'None',
          [`${P}/session-cookie-conditional-samesite-none`]: 'true',
          [`${P}/session-cookie-secure`]: 'true',
          [`${P}/session-cookie-domain`]: '.cross.example',
        },
      ),
      withAnnotations(
        withTls(
          ingress('apps', 'tls', [{ host: 'tls.example', paths: [{ path: '/', service: 'pair' }] }]),
          ['tls.example'],
          'sticky-tls',
        ),
        {
          [`${P}/affinity`]: 'cookie',
          [`${P}/session-cookie-samesite`]: 'strict',
          [`${P}/ssl-redirect`]: 'false',
        },
      ),
      ...[
        ['kept', 'kept.example', 'false'],
        ['changed', 'changed.example', 'true'],
      ].map(([name, host, change]) =>
        withAnnotations(ingress('apps', name, [{ host, paths: [{ path: '/', service: 'flaky' }] }]), {
          [`${P}/affinity`]: 'cookie',
          [`${P}/session-cookie-name`]: 'route',
          [`${P}/session-cookie-change-on-failure`]: change,
          [`${P}/proxy-next-upstream`]: 'error timeout http_503',
        }),
      ),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await one?.close();
    await two?.close();
    await bad?.close();
    dir.cleanup();
  });

  it('samesite None with secure and domain; SameSite=None left out for an old Chrome only', async () => {
    const modern = await get(g, 'cross.example', '/', { 'user-agent': NEW_CHROME });
    assert.equal(modern.status, 200);
    assert.match(
      modern.headers.get('set-cookie') ?? '',
      /^route=[\w.-]+\|[0-9a-z]+; Path=\/; Domain=\.cross\.example; HttpOnly; Secure; SameSite=None$/,
    );
    const old = await get(g, 'cross.example', '/', { 'user-agent': OLD_CHROME });
    assert.match(
      old.headers.get('set-cookie') ?? '',
      /^route=[\w.-]+\|[0-9a-z]+; Path=\/; Domain=\.cross\.example; HttpOnly; Secure$/,
    );
  });

  it('without session-cookie-secure, Secure only on a request that came over TLS', async () => {
    assert.match(
      await httpsSetCookie(g, 'tls.example'),
      /^INGRESSCOOKIE=[\w.-]+\|[0-9a-z]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    const plain = await get(g, 'tls.example', '/');
    assert.equal(plain.status, 200);
    assert.match(
      plain.headers.get('set-cookie') ?? '',
      /^INGRESSCOOKIE=[\w.-]+\|[0-9a-z]+; Path=\/; HttpOnly; SameSite=Strict$/,
    );
  });

  // Each step below sends at most one request to the failing endpoint, so it stays below the
  // outlier ejection threshold (5 in a row) and a cookie pinning it is really sent there.
  /** A request that reached `bad` first and was retried: its response, or undefined. */
  async function retried(host: string, headers: Record<string, string>) {
    const before = bad.seen.length;
    const res = await get(g, host, '/', headers);
    assert.equal(res.status, 200, res.body);
    return bad.seen.length > before ? res : undefined;
  }
  const cookieOf = (setCookie: string | null) => /^route=([^;]+)/.exec(setCookie ?? '')?.[1];

  it('a new client whose first attempt failed gets a cookie for the endpoint that answered', async () => {
    let res: Awaited<ReturnType<typeof retried>>;
    for (let i = 0; i < 64 && res === undefined; i++) res = await retried('kept.example', {});
    assert.ok(res, 'no fresh request was first sent to the failing endpoint');
    const value = cookieOf(res.headers.get('set-cookie'));
    assert.ok(value, `Set-Cookie: ${res.headers.get('set-cookie')}`);
    assert.equal(
      await retried('kept.example', { cookie: `route=${value}` }),
      undefined,
      'the cookie pins the failed endpoint',
    );
  });

  it('change-on-failure: a cookie pinning a failed endpoint is replaced; without it the cookie stays', async () => {
    // A cookie value the ring gives to the failing endpoint: found by trying values.
    let pinned: string | undefined;
    let changed: Awaited<ReturnType<typeof retried>>;
    for (let i = 0; i < 64 && changed === undefined; i++) {
      pinned = `probe${i}`;
      changed = await retried('changed.example', { cookie: `route=${pinned}` });
    }
    assert.ok(changed, 'no probe cookie pinned the failing endpoint');
    const value = cookieOf(changed.headers.get('set-cookie'));
    assert.ok(value && value !== pinned, `Set-Cookie: ${changed.headers.get('set-cookie')}`);
    assert.equal(await retried('changed.example', { cookie: `route=${value}` }), undefined);
    const kept = await retried('kept.example', { cookie: `route=${pinned}` });
    assert.ok(kept, 'the same cookie value pins the failing endpoint on the other Ingress too');
    assert.equal(kept.headers.get('set-cookie'), null);
  });
});
