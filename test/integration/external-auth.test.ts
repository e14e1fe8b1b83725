// auth-url through real workers (ingress-nginx annotations.md "External Authentication",
// test/e2e/annotations/auth.go): a local auth service decides each request; 2xx lets it on with
// auth-response-headers copied upstream, 401/403 reach the client, a 401 with auth-signin is a 302
// with rd, answers are cached per auth-cache-key, a failing auth service is 500 (never allow), and
// an auth-url aimed at the pod's own loopback never reaches the admin port.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseExposition } from '../metrics/exposition.ts';
import {
  type Backend,
  freePort,
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
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';
const AUTH_URL = 'http://auth.apps.svc.cluster.local/verify?from=gatehouse';

/** The auth service: the client's X-Test-Auth header says what it answers. */
function decide(req: IncomingMessage, res: ServerResponse): void {
  const ask = String(req.headers['x-test-auth'] ?? '');
  if (ask === 'allow' || ask.startsWith('cache')) {
    res.writeHead(200, { userid: 'u-1', 'x-not-copied': 'no', 'set-cookie': 'authc=1; Path=/' });
  } else if (ask === 'forbid') res.writeHead(403, { 'set-cookie': 'authc=2' });
  else if (ask === 'fail') res.writeHead(502);
  else res.writeHead(401, { 'www-authenticate': 'Basic realm="auth"', 'set-cookie': 'authc=3' });
  res.end('auth body is never relayed');
}

function site(name: string, host: string, annotations: Record<string, string>): object {
  return withAnnotations(
    ingress('apps', name, [{ host, paths: [{ path: '/', service: 'app' }] }]),
    annotations,
  );
}

async function adminMetrics(g: Gatehouse): Promise<string> {
  return (await fetch(`http://127.0.0.1:${g.adminPort}/metrics`)).text();
}

async function handshake(g: Gatehouse, host: string, extra: string): Promise<string> {
  const socket = netConnect(g.httpPort, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  socket.write(
    `GET /chat HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
  );
  await waitFor('the answer to the handshake', () => text.includes('\r\n\r\n'));
  socket.destroy();
  return text;
}

describe('auth-url through real workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let auth: Backend;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    auth = await startBackend('auth', decide);
    const closedPort = await freePort();
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      ...serviceFor('apps', 'auth', [auth]),
      ...serviceFor('apps', 'authdown', [{ port: closedPort }]),
      site('allow', 'allow.test', { [`${P}/auth-url`]: AUTH_URL, [`${P}/auth-response-headers`]: 'UserID' }),
      site('signin', 'signin.test', {
        [`${P}/auth-url`]: AUTH_URL,
        [`${P}/auth-signin`]: 'https://login.test/start',
      }),
      site('cache', 'cache.test', {
        [`${P}/auth-url`]: AUTH_URL,
        [`${P}/auth-cache-key`]: '$http_x_test_auth',
        [`${P}/auth-cache-duration`]: '200 1h',
      }),
      site('always', 'always.test', { [`${P}/auth-url`]: AUTH_URL, [`${P}/auth-always-set-cookie`]: 'true' }),
      site('down', 'down.test', { [`${P}/auth-url`]: 'http://authdown.apps.svc/verify' }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
    // Written once the admin port is known: a tenant aiming auth-url at the pod itself.
    dir.write('tenant.yaml', [
      site('loop', 'loop.test', { [`${P}/auth-url`]: `http://127.0.0.1:${g.adminPort}/metrics` }),
      site('loop-name', 'loop-name.test', { [`${P}/auth-url`]: `http://localhost:${g.adminPort}/metrics` }),
    ]);
    await waitFor('the tenant routes', async () => (await get(g, 'loop-name.test', '/')).status !== 404);
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    await auth?.close();
    dir.cleanup();
  });

  test('2xx lets the request on, with auth-response-headers (only those) copied upstream, replacing the client’s', async () => {
    const asked = auth.seen.length;
    const res = await get(g, 'allow.test', '/page?q=1', { 'x-test-auth': 'allow', userid: 'forged' });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json().backend, 'app');
    const upstream = app.seen.at(-1)!.headers;
    assert.equal(upstream.userid, 'u-1');
    assert.equal(upstream['x-not-copied'], undefined);
    // add_header Set-Cookie $auth_cookie: on the 200 answer.
    assert.match(res.headers.get('set-cookie') ?? '', /authc=1/);
    assert.equal(auth.seen.length, asked + 1);
  });

  test('the subrequest: auth-url’s path and Host, no body, the original URL, method and client', async () => {
    const { request } = await import('undici');
    const res = await request(g.url('/form?a=b'), {
      method: 'POST',
      headers: { host: 'allow.test', 'x-test-auth': 'allow', 'content-type': 'text/plain' },
      body: 'client body',
    });
    await res.body.text();
    assert.equal(res.statusCode, 200);
    const sub = auth.seen.at(-1)!;
    assert.equal(sub.method, 'POST');
    assert.equal(sub.url, '/verify?from=gatehouse');
    assert.equal(sub.headers.host, 'auth.apps.svc.cluster.local');
    assert.equal(sub.headers['x-original-url'], 'http://allow.test/form?a=b');
    assert.equal(sub.headers['x-original-method'], 'POST');
    assert.equal(sub.headers['x-sent-from'], 'nginx-ingress-controller');
    assert.equal(sub.headers['x-real-ip'], '127.0.0.1');
    assert.equal(sub.headers['x-auth-request-redirect'], '/form?a=b');
    // nginx sends `Content-Length: ""` (none); undici frames a bodiless POST as length 0: no body either way.
    const length = sub.headers['content-length'];
    assert.ok(length === undefined || length === '0', String(length));
    assert.equal(sub.headers['transfer-encoding'], undefined);
    assert.equal(sub.headers['x-test-auth'], 'allow', "the client's headers are passed");
    assert.equal(app.seen.at(-1)!.method, 'POST', 'the body went upstream, not to the auth service');
  });

  test('401 reaches the client with the challenge; 403 too; the backend sees neither', async () => {
    const before = app.seen.length;
    const denied = await get(g, 'allow.test', '/', {});
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Basic realm="auth"');
    assert.doesNotMatch(denied.body, /auth body/);
    assert.equal(denied.headers.get('set-cookie'), null, 'no Set-Cookie without auth-always-set-cookie');
    const forbidden = await get(g, 'allow.test', '/', { 'x-test-auth': 'forbid' });
    assert.equal(forbidden.status, 403);
    assert.equal(app.seen.length, before);
  });

  test("auth-always-set-cookie: the auth answer's Set-Cookie on the 401 and 403 too", async () => {
    assert.match((await get(g, 'always.test', '/')).headers.get('set-cookie') ?? '', /authc=3/);
    assert.match(
      (await get(g, 'always.test', '/', { 'x-test-auth': 'forbid' })).headers.get('set-cookie') ?? '',
      /authc=2/,
    );
    assert.match(
      (await get(g, 'always.test', '/', { 'x-test-auth': 'allow' })).headers.get('set-cookie') ?? '',
      /authc=1/,
    );
  });

  test('any other auth answer is 500, never an allow', async () => {
    const before = app.seen.length;
    const res = await get(g, 'allow.test', '/', { 'x-test-auth': 'fail' });
    assert.equal(res.status, 500);
    assert.equal(app.seen.length, before);
  });

  test('with auth-signin a 401 is a 302 to it, rd the escaped original URL', async () => {
    const res = await get(g, 'signin.test', '/deep/page?x=1');
    assert.equal(res.status, 302);
    assert.equal(
      res.headers.get('location'),
      'https://login.test/start?rd=http://signin.test%2Fdeep%2Fpage%3Fx%3D1',
    );
    assert.equal(
      (await get(g, 'signin.test', '/', { 'x-test-auth': 'forbid' })).status,
      403,
      '403 is not redirected',
    );
  });

  test('auth-cache-key: a second request with the same key is not sent to the auth service; another key is', async () => {
    const asked = auth.seen.length;
    // Two workers each hold their own cache: enough requests that both have answered one.
    for (let i = 0; i < 8; i++)
      assert.equal((await get(g, 'cache.test', `/${i}`, { 'x-test-auth': 'cache-a' })).status, 200);
    assert.ok(auth.seen.length - asked <= 2, `asked ${auth.seen.length - asked} times for one key`);
    const mid = auth.seen.length;
    assert.equal((await get(g, 'cache.test', '/', { 'x-test-auth': 'cache-b' })).status, 200);
    assert.equal(auth.seen.length, mid + 1);
    // 401 is not in "200 1h": every denial is asked again.
    const denyAsked = auth.seen.length;
    for (let i = 0; i < 3; i++) assert.equal((await get(g, 'cache.test', '/')).status, 401);
    assert.equal(auth.seen.length, denyAsked + 3);
  });

  test('the auth service down: 500, the backend never reached', async () => {
    const before = app.seen.length;
    const res = await get(g, 'down.test', '/');
    assert.equal(res.status, 500);
    assert.equal(app.seen.length, before);
  });

  test("an auth-url aimed at the pod's loopback never reaches the admin port: 500", async () => {
    for (const host of ['loop.test', 'loop-name.test']) {
      const res = await get(g, host, '/');
      assert.equal(res.status, 500, `${host}: ${res.body}`);
      assert.doesNotMatch(res.body, /# HELP/);
    }
    await waitFor('the refusal in the log', () => /upstream address refused/.test(g.output()));
  });

  test('a WebSocket handshake is asked first too: refused with 401, allowed with the headers copied', async () => {
    const before = app.seen.length;
    assert.match(await handshake(g, 'allow.test', ''), /^HTTP\/1\.1 401 /);
    assert.equal(app.seen.length, before);
    await handshake(g, 'allow.test', 'X-Test-Auth: allow\r\n');
    await waitFor('the handshake upstream', () => app.seen.length > before);
    assert.equal(app.seen.at(-1)!.headers.userid, 'u-1');
    assert.equal(app.seen.at(-1)!.headers.upgrade, 'websocket');
  });

  test('HTTP/2 requests are asked first too', async () => {
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'allow.test',
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    try {
      const ask = async (headers: Record<string, string>): Promise<number> => {
        const stream = session.request({ ':authority': 'allow.test', ':path': '/h2', ...headers });
        stream.on('error', () => {});
        stream.resume();
        const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
        await once(stream, 'end');
        return Number(head[':status']);
      };
      assert.equal(await ask({}), 401);
      assert.equal(await ask({ 'x-test-auth': 'allow' }), 200);
      assert.equal(app.seen.at(-1)!.headers.userid, 'u-1');
      assert.equal(auth.seen.at(-1)!.headers['x-original-url'], 'https://allow.test/h2');
    } finally {
      session.destroy();
    }
  });

  test('refusals are counted as gatehouse_requests_denied_total{reason="external_auth"}', async () => {
    const samples = parseExposition(await adminMetrics(g)).samples.filter(
      (s) => s.name === 'gatehouse_requests_denied_total' && s.labels.reason === 'external_auth',
    );
    const allow = samples.filter((s) => s.labels.ingress === 'allow').reduce((n, s) => n + s.value, 0);
    assert.ok(allow >= 4, JSON.stringify(samples));
  });
});
