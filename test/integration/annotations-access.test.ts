// Source ranges and CORS through real workers, from manifests as a user writes them.
// whitelist-/denylist-source-range (annotations.md#whitelist-source-range, #denylist-source-range;
// test/e2e/annotations/ipwhitelist.go, ipdenylist.go): 403 outside the allow list and for a denied
// address, 200 inside, on HTTP/1, HTTP/2 and WebSocket handshakes; the client address is the one
// --trusted-proxies vouch for (X-Forwarded-For from 127.0.0.1), never one an untrusted peer
// (127.0.0.2) claims; an invalid range answers 503. enable-cors (annotations.md#enable-cors;
// test/e2e/annotations/cors.go): a preflight is answered 204 with the CORS headers and never reaches
// the backend; a simple request gets Access-Control-Allow-Origin only for an allowed origin.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { parseExposition, sampleValue } from '../metrics/exposition.ts';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
  withAnnotations,
} from './harness.ts';
import { type EchoServer, startEchoServer } from './ws-echo.ts';

const P = 'nginx.ingress.kubernetes.io';
const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('source ranges and CORS through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let ws: EchoServer;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    ws = await startEchoServer();
    const site = (name: string, host: string, annotations: Record<string, string>, service = 'app') =>
      withAnnotations(ingress('apps', name, [{ host, paths: [{ path: '/', service }] }]), annotations);
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      ...serviceFor('apps', 'ws', [ws]),
      site('allow', 'allow.example', { [`${P}/whitelist-source-range`]: '10.0.0.0/8, 2001:db8::/32' }),
      site('deny', 'deny.example', { [`${P}/denylist-source-range`]: '192.0.2.0/24' }),
      site('both', 'both.example', {
        [`${P}/denylist-source-range`]: '10.0.0.5',
        [`${P}/allowlist-source-range`]: '10.0.0.0/24',
      }),
      site('bad', 'bad.example', { [`${P}/whitelist-source-range`]: '10.0.0.0/8,not-an-address' }),
      site('ws', 'ws.example', { [`${P}/whitelist-source-range`]: '10.0.0.0/8' }, 'ws'),
      site('cors', 'cors.example', {
        [`${P}/enable-cors`]: 'true',
        [`${P}/cors-allow-origin`]: 'https://app.example, https://*.sub.example',
        [`${P}/cors-allow-methods`]: 'GET, POST',
        [`${P}/cors-expose-headers`]: 'X-Backend',
        [`${P}/cors-max-age`]: '600',
      }),
      site('cors-any', 'any.example', { [`${P}/enable-cors`]: 'true' }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2, args: ['--trusted-proxies', TRUSTED, '--access-log'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    await ws?.close();
    dir.cleanup();
  });

  /** An HTTP/1.1 request from `from` (a local address), answered in full. */
  async function send(
    host: string,
    headers: Record<string, string> = {},
    options: { method?: string; path?: string; from?: string } = {},
  ): Promise<Answer> {
    const { Agent } = await import('undici');
    const dispatcher = new Agent({ localAddress: options.from ?? TRUSTED });
    try {
      const res = await request(g.url(options.path ?? '/'), {
        method: (options.method ?? 'GET') as 'GET',
        headers: { host, ...headers },
        dispatcher,
      });
      return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
    } finally {
      await dispatcher.close();
    }
  }

  const from = (address: string) => ({ 'x-forwarded-for': address });
  const seenPaths = () => app.seen.map((s) => s.url);

  it('an allow list serves its clients and refuses the others 403', async () => {
    assert.equal((await send('allow.example', from('10.1.2.3'), { path: '/in' })).status, 200);
    assert.equal((await send('allow.example', from('2001:db8::7'), { path: '/in6' })).status, 200);
    const out = await send('allow.example', from('192.0.2.9'), { path: '/out' });
    assert.equal(out.status, 403);
    assert.equal(out.headers.server, 'gatehouse');
    // The trusted proxy itself is not in the list.
    assert.equal((await send('allow.example', {}, { path: '/proxy' })).status, 403);
    assert.deepEqual(
      seenPaths().filter((p) => p !== '/' && !p.startsWith('/cors')),
      ['/in', '/in6'],
    );
  });

  it('an untrusted peer cannot claim an allowed address with X-Forwarded-For', async () => {
    const res = await send('allow.example', from('10.1.2.3'), { path: '/spoof', from: UNTRUSTED });
    assert.equal(res.status, 403);
    assert.ok(!seenPaths().includes('/spoof'));
  });

  it('a deny list refuses its addresses 403 and serves the others', async () => {
    assert.equal((await send('deny.example', from('192.0.2.9'))).status, 403);
    assert.equal((await send('deny.example', from('10.1.2.3'))).status, 200);
    // Checked on the address the trusted proxy vouches for: the last untrusted hop.
    assert.equal((await send('deny.example', from('192.0.2.9, 127.0.0.1'))).status, 403);
  });

  it('deny before allow: a denied address inside the allowed range is refused', async () => {
    assert.equal((await send('both.example', from('10.0.0.5'))).status, 403);
    assert.equal((await send('both.example', from('10.0.0.6'))).status, 200);
    assert.equal((await send('both.example', from('10.0.1.6'))).status, 403);
  });

  it('an invalid range fails closed: 503 for every client, diagnostic in the log', async () => {
    assert.equal((await send('bad.example', from('10.1.2.3'))).status, 503);
    assert.match(g.output(), /InvalidAccessAnnotation/);
  });

  it('HTTP/2 requests meet the same rules', async () => {
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'allow.example',
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    try {
      const status = async (address: string): Promise<number> => {
        const stream = session.request({
          ':authority': 'allow.example',
          ':path': '/h2',
          'x-forwarded-for': address,
        });
        stream.on('error', () => {});
        stream.resume();
        const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
        return Number(head[':status']);
      };
      assert.equal(await status('10.9.9.9'), 200);
      assert.equal(await status('192.0.2.1'), 403);
      // And a CORS preflight is answered by the proxy over HTTP/2 as well.
      const preflight = session.request({
        ':authority': 'cors.example',
        ':method': 'OPTIONS',
        ':path': '/cors-h2',
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
      });
      preflight.on('error', () => {});
      preflight.resume();
      const [head] = (await once(preflight, 'response')) as [IncomingHttpHeaders];
      assert.equal(head[':status'], 204);
      assert.equal(head['access-control-allow-origin'], 'https://app.example');
      assert.equal(head['content-length'], undefined);
      assert.ok(!seenPaths().includes('/cors-h2'));
    } finally {
      session.destroy();
    }
  });

  it('a WebSocket handshake meets the same rules', async () => {
    const handshake = async (address: string): Promise<number> => {
      const socket = connect({ port: g.httpPort, host: '127.0.0.1', localAddress: TRUSTED });
      socket.on('error', () => {});
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (d: Buffer) => {
        received += d.toString('latin1');
      });
      socket.write(
        'GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: ${address}\r\n\r\n`,
      );
      try {
        await waitFor('a handshake answer', () => received.includes('\r\n\r\n'));
        return Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      } finally {
        socket.destroy();
      }
    };
    const before = ws.upgrades.length;
    assert.equal(await handshake('192.0.2.1'), 403);
    assert.equal(ws.upgrades.length, before, 'a refused handshake never reaches the backend');
    assert.equal(await handshake('10.0.0.1'), 101);
  });

  it('refusals are counted by reason and the access log says which check answered', async () => {
    const res = await request(`http://127.0.0.1:${g.adminPort}/metrics`);
    const { samples } = parseExposition(await res.body.text());
    const denied = (ingressName: string) =>
      sampleValue(samples, 'gatehouse_requests_denied_total', {
        namespace: 'apps',
        ingress: ingressName,
        reason: 'client_address',
      });
    // allow: two HTTP/1 outsiders, the spoofing peer and one HTTP/2 stream; ws: one handshake.
    assert.deepEqual(['allow', 'deny', 'both', 'ws', 'cors'].map(denied), [4, 2, 2, 1, undefined]);
    const line = g
      .output()
      .split('\n')
      .find((l) => l.includes('"host":"deny.example"') && l.includes('"status":403'));
    assert.ok(line, 'an access log line for the refusal');
    assert.equal(JSON.parse(line).denied, 'client_address');
  });

  it('a CORS preflight from an allowed origin is answered 204 by the proxy, never sent upstream', async () => {
    const preflight = {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    };
    const res = await send('cors.example', preflight, { method: 'OPTIONS', path: '/cors-preflight' });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, POST');
    assert.equal(
      res.headers['access-control-allow-headers'],
      'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
    );
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['access-control-expose-headers'], 'X-Backend');
    assert.equal(res.headers['access-control-max-age'], '600');
    assert.equal(res.headers.vary, 'Origin');
    assert.equal(res.headers['content-length'], undefined);
    // A one-label wildcard origin too.
    const wild = await send(
      'cors.example',
      { ...preflight, origin: 'https://a1.sub.example' },
      { method: 'OPTIONS', path: '/cors-preflight' },
    );
    assert.equal(wild.status, 204);
    assert.equal(wild.headers['access-control-allow-origin'], 'https://a1.sub.example');
    assert.ok(!seenPaths().includes('/cors-preflight'), 'no preflight reached the backend');
    // From an origin not allowed, the OPTIONS goes upstream untouched, as in ingress-nginx.
    const other = await send(
      'cors.example',
      { ...preflight, origin: 'https://a.b.sub.example' },
      { method: 'OPTIONS', path: '/cors-other' },
    );
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('a simple request gets Access-Control-Allow-Origin only for an allowed origin', async () => {
    const allowed = await send('cors.example', { origin: 'https://APP.example' }, { path: '/cors-simple' });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://APP.example');
    assert.equal(allowed.headers['access-control-expose-headers'], 'X-Backend');
    assert.equal(allowed.headers['x-backend'], 'app');
    assert.equal(allowed.headers.vary, 'Origin');
    const refused = await send('cors.example', { origin: 'https://evil.example' }, { path: '/cors-simple' });
    assert.equal(refused.status, 200);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    assert.equal(refused.headers['access-control-allow-methods'], undefined);
    assert.equal(refused.headers.vary, 'Origin');
    const none = await send('cors.example', {}, { path: '/cors-simple' });
    assert.equal(none.headers['access-control-allow-origin'], undefined);
  });

  it('enable-cors alone allows every origin with *', async () => {
    const res = await send('any.example', { origin: 'https://whoever.example' }, { path: '/cors-any' });
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, PUT, POST, DELETE, PATCH, OPTIONS');
    assert.equal(res.headers['access-control-max-age'], '1728000');
    assert.equal(res.headers.vary, undefined);
  });
});
