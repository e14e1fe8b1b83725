// Routing through real workers: the documented Ingress rules, end to end, with real sockets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  Agent,
  get as httpGet,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
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
} from './harness.ts';

/** A request through node:http, which sends the target and headers exactly as given. */
function rawGet(
  g: Gatehouse,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(g.url(path), { agent: false, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
}

/** A body far larger than one socket read, so the proxy relays it in many chunks. */
const BIG = randomBytes(1024 * 1024 + 7);

/** Answers /big/declared with BIG and its Content-Length, /big/chunked with BIG chunked plus a trailer. */
function bigBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/big/chunked') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', trailer: 'x-checksum' });
    res.write(BIG.subarray(0, 1000));
    res.write(BIG.subarray(1000));
    res.addTrailers({ 'x-checksum': String(BIG.length) });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG.length) });
  res.end(BIG);
}

/** GET through `agent` (keep-alive): the body, the trailers and the socket that carried it. */
function agentGet(
  g: Gatehouse,
  agent: Agent,
  path: string,
): Promise<{ status: number; body: Buffer; trailers: NodeJS.Dict<string>; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(g.url(path), { agent, headers: { host: 'shop.example.com' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(parts),
          trailers: res.trailers,
          socket: res.socket as Socket,
        }),
      );
    });
    // A body cut short leaves the client waiting for the rest: fail then, not at the test timeout.
    req.setTimeout(10_000, () => req.destroy(new Error(`${path}: no complete response within 10 s`)));
    req.on('error', reject);
  });
}

describe('routing through worker processes', () => {
  const dir = new ManifestDir();
  const backends: Record<string, Backend> = {};
  let g: Gatehouse;

  before(async () => {
    for (const name of ['web', 'api', 'exact', 'wild', 'any', 'fallback', 'web2'])
      backends[name] = await startBackend(name);
    backends.big = await startBackend('big', bigBody);
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('shop', 'web', [backends.web]),
      ...serviceFor('shop', 'rr', [backends.web, backends.web2]),
      ...serviceFor('shop', 'api', [backends.api]),
      ...serviceFor('shop', 'exact', [backends.exact]),
      ...serviceFor('shop', 'wild', [backends.wild]),
      ...serviceFor('shop', 'any', [backends.any]),
      ...serviceFor('shop', 'fallback', [backends.fallback]),
      ...serviceFor('shop', 'empty', []),
      ...serviceFor('shop', 'big', [backends.big]),
      ingress('shop', 'main', [
        {
          host: 'shop.example.com',
          paths: [
            { path: '/', service: 'web' },
            { path: '/api', service: 'api' },
            { path: '/api/v1', pathType: 'Exact', service: 'exact' },
            { path: '/down', service: 'empty' },
            { path: '/big', service: 'big' },
            { path: '/missing', service: 'no-such-service' },
          ],
        },
        { host: '*.wild.example.com', paths: [{ path: '/', service: 'wild' }] },
        { host: 'rr.example.com', paths: [{ path: '/', service: 'rr' }] },
        { paths: [{ path: '/anyhost', service: 'any' }] },
      ]),
      ingress('shop', 'catch-all', [], { defaultBackend: 'fallback', created: '2026-01-02T00:00:00Z' }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    for (const b of Object.values(backends)) await b.close();
    dir.cleanup();
  });

  const cases: Array<{ rule: string; host: string; path: string; backend?: string; status?: number }> = [
    {
      rule: 'Prefix / matches any path of its host',
      host: 'shop.example.com',
      path: '/cart',
      backend: 'web',
    },
    { rule: 'Prefix /api matches /api itself', host: 'shop.example.com', path: '/api', backend: 'api' },
    {
      rule: 'Prefix /api matches /api/ (trailing slash)',
      host: 'shop.example.com',
      path: '/api/',
      backend: 'api',
    },
    {
      rule: 'Prefix /api matches the subpath /api/orders',
      host: 'shop.example.com',
      path: '/api/orders',
      backend: 'api',
    },
    {
      rule: 'Prefix /api does not match the string prefix /apix',
      host: 'shop.example.com',
      path: '/apix',
      backend: 'web',
    },
    {
      rule: 'Exact /api/v1 beats Prefix /api for /api/v1',
      host: 'shop.example.com',
      path: '/api/v1',
      backend: 'exact',
    },
    {
      rule: 'Exact /api/v1 does not match /api/v1/',
      host: 'shop.example.com',
      path: '/api/v1/',
      backend: 'api',
    },
    {
      rule: 'the query string plays no part in matching',
      host: 'shop.example.com',
      path: '/api/v1?x=1',
      backend: 'exact',
    },
    {
      rule: 'host matching ignores case and port',
      host: 'SHOP.Example.COM:8080',
      path: '/api/x',
      backend: 'api',
    },
    {
      rule: 'a wildcard host matches one extra label',
      host: 'a.wild.example.com',
      path: '/',
      backend: 'wild',
    },
    {
      rule: 'a wildcard host does not match two extra labels',
      host: 'a.b.wild.example.com',
      path: '/anyhost',
      backend: 'any',
    },
    {
      rule: 'a wildcard host does not match its bare suffix',
      host: 'wild.example.com',
      path: '/x',
      backend: 'fallback',
    },
    {
      rule: 'a rule without host matches every host',
      host: 'other.example.org',
      path: '/anyhost/x',
      backend: 'any',
    },
    {
      rule: 'an unmatched host goes to spec.defaultBackend',
      host: 'nobody.example.org',
      path: '/',
      backend: 'fallback',
    },
    {
      rule: 'a Service with no ready endpoint answers 503',
      host: 'shop.example.com',
      path: '/down',
      status: 503,
    },
    {
      rule: 'a missing Service keeps the route and answers 503',
      host: 'shop.example.com',
      path: '/missing',
      status: 503,
    },
  ];

  for (const c of cases) {
    it(c.rule, async () => {
      const res = await get(g, c.host, c.path);
      if (c.backend) {
        assert.equal(res.status, 200, res.body);
        assert.equal(res.json().backend, c.backend);
      } else {
        assert.equal(res.status, c.status);
        assert.equal(res.headers.get('server'), 'gatehouse');
      }
    });
  }

  it('round robin spreads requests over both endpoints of a Service', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const res = await get(g, 'rr.example.com', '/');
      const name = String(res.json().backend);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    // Two workers each rotate independently; each endpoint must still get a fair share.
    assert.ok((counts.get('web') ?? 0) >= 10, JSON.stringify([...counts]));
    assert.ok((counts.get('web2') ?? 0) >= 10, JSON.stringify([...counts]));
  });

  it('forwards Host unchanged and adds X-Forwarded-* and X-Request-ID', async () => {
    // node:http, not undici: undici's client will not send a Connection header naming other headers.
    const { status, body } = await rawGet(g, 'shop.example.com', '/api/h', {
      'x-forwarded-for': '6.6.6.6',
      connection: 'x-secret',
      'x-secret': '1',
    });
    assert.equal(status, 200);
    const headers = JSON.parse(body).headers as Record<string, string>;
    assert.equal(headers.host, 'shop.example.com');
    // The peer is not a trusted proxy: its X-Forwarded-For claim is replaced by its own address.
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-real-ip'], '127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.equal(headers['x-forwarded-host'], 'shop.example.com');
    assert.equal(headers['x-forwarded-port'], String(g.httpPort));
    assert.match(headers['x-request-id'], /^[0-9a-f-]{36}$/);
    // Connection itself is hop-by-hop; the names it lists remove nothing, as in nginx (issue #25).
    assert.notEqual(headers.connection, 'x-secret');
    assert.equal(headers['x-secret'], '1');
  });

  it('relays large bodies whole, declared-length and chunked with trailers, on one kept-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<Socket>();
      for (const path of ['/big/declared', '/big/chunked', '/big/declared']) {
        const { status, body, trailers, socket } = await agentGet(g, agent, path);
        assert.equal(status, 200, path);
        assert.equal(body.length, BIG.length, path);
        assert.ok(body.equals(BIG), `${path}: the bytes differ`);
        if (path === '/big/chunked') assert.equal(trailers['x-checksum'], String(BIG.length));
        sockets.add(socket);
      }
      assert.equal(sockets.size, 1, 'each response ended cleanly, so the connection was reused');
    } finally {
      agent.destroy();
    }
  });

  it('answers Expect: 100-continue itself and forwards the body, not the expectation', async () => {
    // curl sends this on large uploads; undici refuses to forward Expect (it was a 502).
    const result = await new Promise<{ status: number; body: string; continued: boolean }>(
      (resolve, reject) => {
        let continued = false;
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: g.httpPort,
            method: 'POST',
            path: '/api/upload',
            headers: { host: 'shop.example.com', expect: '100-continue', 'content-length': '5' },
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => {
              body += d.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }));
          },
        );
        req.on('continue', () => {
          continued = true;
          req.end('hello');
        });
        req.on('error', reject);
      },
    );
    assert.equal(result.continued, true, 'the client was told to continue');
    assert.equal(result.status, 200);
    const seen = JSON.parse(result.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['content-length'], '5', 'the body went upstream');
    assert.equal(seen.headers.expect, undefined);
  });

  it('routes and forwards the same normalised path: /x/../api/v1 reaches Exact /api/v1 as /api/v1', async () => {
    const { status, body } = await rawGet(g, 'shop.example.com', '/x/../api/v1?q=1');
    assert.equal(status, 200);
    const seen = JSON.parse(body) as { backend: string; path: string };
    assert.equal(seen.backend, 'exact');
    assert.equal(seen.path, '/api/v1?q=1');
  });

  it('keeps an incoming X-Request-ID', async () => {
    const res = await get(g, 'shop.example.com', '/api/h', { 'x-request-id': 'abc-123' });
    assert.equal((res.json().headers as Record<string, string>)['x-request-id'], 'abc-123');
  });
});
