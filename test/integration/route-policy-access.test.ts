// A RoutePolicy's access fields through real workers (standalone manifests): basicAuth from an
// Opaque Secret of the policy's namespace (401 without or with wrong credentials, 200 with them,
// Authorization not sent upstream), the CORS preflight answered 204 by the proxy, and rateLimit
// answering 429 (the policy's default, RFC 6585 §4) once the burst is spent; hsts on answers over
// TLS only (RFC 6797 §7.2), HTTP/1.1 and HTTP/2, the proxy's own answers (401) included; errorPages
// sending an upstream 404 to the policy's error Service.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
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
} from './harness.ts';

const HOST = 'shop.test';
const ORIGIN = 'https://app.example';
const BURST = 3;
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('RoutePolicy basicAuth, CORS and rateLimit through workers', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let errors: Backend;
  let g: Gatehouse;

  before(async () => {
    // /missing answers 404 upstream: the policy's errorPages sends it to `errors` instead.
    backend = await startBackend('web', (req, res) => {
      res.writeHead(req.url === '/pages/missing' ? 404 : 200);
      res.end('web');
    });
    errors = await startBackend('errors', (req, res) => {
      res.writeHead(Number(req.headers['x-code'] ?? 500), { 'x-from': 'errors' });
      res.end(`error page for ${req.headers['x-original-uri']}`);
    });
    dir.write('app.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'web', [backend]),
      ...serviceFor('apps', 'errors', [errors]),
      ingress('apps', 'shop', [
        {
          host: HOST,
          paths: [
            { path: '/', service: 'web' },
            { path: '/limited', service: 'web' },
            { path: '/pages', service: 'web' },
          ],
        },
      ]),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { namespace: 'apps', name: 'users' },
        // {SHA} of "s3cret", as `htpasswd -bs` writes it.
        stringData: { auth: 'alice:{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg=\n' },
      },
    ]);
    const policy = (name: string, paths: string[], spec: Record<string, unknown>) => ({
      apiVersion: 'gatehouse.dev/v1alpha1',
      kind: 'RoutePolicy',
      metadata: { name, namespace: 'apps', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'shop' }], paths, ...spec },
    });
    const access = {
      basicAuth: { secretRef: { name: 'users' }, realm: 'Shop' },
      cors: { allowOrigins: [ORIGIN], allowMethods: ['GET', 'POST'] },
      hsts: { maxAgeSeconds: 600, includeSubDomains: true },
    };
    dir.write('policy.yaml', [
      policy('guarded', ['/'], access),
      // Its own budget: the other tests' requests never spend it.
      policy('limited', ['/limited'], { ...access, rateLimit: { requestsPerSecond: 1, burst: BURST } }),
      policy('pages', ['/pages'], { errorPages: { codes: [404], backend: { name: 'errors' } } }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    await errors?.close();
    dir.cleanup();
  });

  it('401 with the realm challenge without credentials or with a wrong password; 200 with them', async () => {
    const none = await get(g, HOST, '/');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="Shop"');
    assert.equal((await get(g, HOST, '/', { authorization: basic('alice', 'wrong') })).status, 401);
    const seenBefore = backend.seen.length;
    const ok = await get(g, HOST, '/', { authorization: basic('alice', 's3cret'), origin: ORIGIN });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(backend.seen.length, seenBefore + 1, 'only the authenticated request went upstream');
    assert.equal(backend.seen.at(-1)?.headers.authorization, undefined, 'credentials stay at the proxy');
  });

  it('answers the CORS preflight with 204 itself, before auth (a preflight carries no credentials)', async () => {
    const res = await request(g.url('/'), {
      method: 'OPTIONS',
      headers: { host: HOST, origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    await res.body.text();
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(res.headers['access-control-allow-methods']), /POST/);
  });

  it('answers 429 once the burst is spent, after at least burst + 1 admitted requests', async () => {
    const auth = { authorization: basic('alice', 's3cret') };
    const statuses: number[] = [];
    // Bounded: with 1 r/s of refill, far fewer than 100 back-to-back requests spend a burst of 3.
    for (let i = 0; i < 100 && !statuses.includes(429); i++)
      statuses.push((await get(g, HOST, '/limited', auth)).status);
    assert.ok(statuses.includes(429), `no 429 in ${statuses.join(',')}`);
    const admitted = statuses.slice(0, statuses.indexOf(429));
    assert.ok(admitted.length >= BURST + 1, `only ${admitted.length} admitted before the 429`);
    assert.ok(
      admitted.every((s) => s === 200),
      admitted.join(','),
    );
    // The other route of the same Ingress has no limit.
    assert.equal((await get(g, HOST, '/', auth)).status, 200);
  });

  it("errorPages: the upstream's 404 is answered by the policy's error Service (custom-http-errors)", async () => {
    const r = await get(g, HOST, '/pages/missing');
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-from'), 'errors');
    assert.equal(r.body, 'error page for /pages/missing');
    assert.equal((await get(g, HOST, '/pages/there')).body, 'web');
  });

  it("Strict-Transport-Security on answers over TLS only, the proxy's 401 and HTTP/2 included", async () => {
    const STS = 'max-age=600; includeSubDomains';
    const auth = { authorization: basic('alice', 's3cret') };
    const plain = await get(g, HOST, '/', auth);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('strict-transport-security'), null, 'never over plain HTTP');
    const agent = new Agent({ connect: { rejectUnauthorized: false, servername: HOST } });
    try {
      for (const headers of [{}, auth]) {
        const res = await request(`https://127.0.0.1:${g.httpsPort}/`, {
          headers: { host: HOST, ...headers },
          dispatcher: agent,
        });
        await res.body.text();
        assert.equal(res.statusCode, 'authorization' in headers ? 200 : 401);
        assert.equal(res.headers['strict-transport-security'], STS);
      }
    } finally {
      await agent.close();
    }
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: HOST,
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    try {
      const stream = session.request({ ':authority': HOST, ':path': '/', ...auth });
      const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
      stream.resume();
      assert.equal(headers[':status'], 200);
      assert.equal(headers['strict-transport-security'], STS);
    } finally {
      session.close();
    }
  });
});
