// Rate limits through real workers, from manifests as a user writes them (ingress-nginx
// annotations.md#rate-limiting; internal/ingress/annotations/ratelimit/main.go; nginx.tmpl
// `limit_req zone=… burst=… nodelay` and `limit_conn`; test/e2e/annotations/limitrate.go,
// limitconnections.go): 503 after burst + 1 requests and one more per 1/rate (the primary's limit
// clock moved a minute by SIGUSR2 — no waiting); one budget for the paths of an Ingress and for the
// two workers of a replica (counted, and split between them); limit-connections; the allow list.
// Refills at 1 r/m are negligible during a test, so counts are exact.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { TEST_CLOCK_ENV } from '../../controller/src/supervisor/limit-clock.ts';
import { parseExposition, sampleValue, select } from '../metrics/exposition.ts';
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

describe('rate limits through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let slow: Backend;
  let ws: EchoServer;
  /** Responses the slow backend holds until the test lets them go. */
  const held: ServerResponse[] = [];
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    ws = await startEchoServer();
    slow = await startBackend('slow', (_req: IncomingMessage, res: ServerResponse) => {
      held.push(res);
    });
    const site = (name: string, host: string, annotations: Record<string, string>, service = 'app') =>
      withAnnotations(
        ingress('apps', name, [
          {
            host,
            paths: [
              { path: '/a', service },
              { path: '/b', service },
            ],
          },
        ]),
        annotations,
      );
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      ...serviceFor('apps', 'slow', [slow]),
      ...serviceFor('apps', 'ws', [ws]),
      site('ws', 'ws.example', { [`${P}/limit-rpm`]: '1', [`${P}/limit-burst-multiplier`]: '1' }, 'ws'),
      site('ws-conn', 'ws-conn.example', { [`${P}/limit-connections`]: '1' }, 'ws'),
      // burst = 2 × 1: three requests, then one per minute.
      site('burst', 'burst.example', { [`${P}/limit-rpm`]: '1', [`${P}/limit-burst-multiplier`]: '2' }),
      // 301 requests between both workers.
      site('shared', 'shared.example', {
        [`${P}/limit-rpm`]: '1',
        [`${P}/limit-burst-multiplier`]: '300',
      }),
      site('conn', 'conn.example', { [`${P}/limit-connections`]: '1' }, 'slow'),
      site('exempt', 'exempt.example', {
        [`${P}/limit-rpm`]: '1',
        [`${P}/limit-burst-multiplier`]: '1',
        [`${P}/limit-whitelist`]: '10.0.0.0/8',
      }),
      site('bad', 'bad.example', { [`${P}/limit-rps`]: 'ten' }),
    ]);
    process.env[TEST_CLOCK_ENV] = '1';
    g = await startGatehouse(dir.dir, { workers: 2, args: ['--trusted-proxies', TRUSTED] });
    delete process.env[TEST_CLOCK_ENV];
    await g.waitReady();
  });

  after(async () => {
    for (const res of held) res.destroy();
    await g?.stop();
    await app?.close();
    await slow?.close();
    await ws?.close();
    dir.cleanup();
  });

  /** One request on a connection of its own (so the kernel spreads them over both workers). */
  async function status(host: string, path = '/a', headers: Record<string, string> = {}): Promise<number> {
    const dispatcher = new Agent({ pipelining: 0 });
    try {
      const res = await request(g.url(path), { headers: { host, ...headers }, dispatcher });
      await res.body.dump();
      return res.statusCode;
    } finally {
      await dispatcher.close();
    }
  }

  async function statuses(n: number, host: string, path = '/a', headers: Record<string, string> = {}) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await status(host, path, headers));
    return out;
  }

  async function metrics() {
    const res = await request(`http://127.0.0.1:${g.adminPort}/metrics`);
    return parseExposition(await res.body.text()).samples;
  }

  it('burst + 1 requests, then 503; one more each minute (the primary clock moved)', async () => {
    // The Ingress's two paths share its zone, as ingress-nginx's one zone per Ingress.
    assert.deepEqual(await statuses(2, 'burst.example', '/a'), [200, 200]);
    assert.deepEqual(await statuses(3, 'burst.example', '/b'), [200, 503, 503]);
    process.kill(g.proc.pid!, 'SIGUSR2');
    // A signal is asynchronous: wait until the minute has passed for the primary, then count.
    await waitFor('one request admitted after a minute', async () => (await status('burst.example')) === 200);
    assert.deepEqual(await statuses(2, 'burst.example'), [503, 503]);
    // One signal at a time: two sent together may arrive as one.
    process.kill(g.proc.pid!, 'SIGUSR2');
    await waitFor('one more after another minute', async () => (await status('burst.example')) === 200);
    assert.deepEqual(await statuses(2, 'burst.example'), [503, 503]);
    const samples = await metrics();
    assert.ok(
      (sampleValue(samples, 'gatehouse_requests_denied_total', {
        namespace: 'apps',
        ingress: 'burst',
        reason: 'rate_limit',
      }) ?? 0) >= 6,
    );
  });

  it('the two workers of a replica share one budget: 301 of 400 requests, both serving', async (t) => {
    const total = 400;
    const codes: number[] = [];
    let next = 0;
    // Eight clients at once, each request on a fresh connection.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < total) {
          next++;
          codes.push(await status('shared.example', next % 2 === 0 ? '/a' : '/b'));
        }
      }),
    );
    const admitted = codes.filter((c) => c === 200).length;
    const refused = codes.filter((c) => c === 503).length;
    assert.equal(admitted + refused, total);
    // Exactly 301 unless leased requests were still unused when the last request came (a few).
    assert.ok(admitted <= 301 + 1 && admitted >= 301 * 0.97, `admitted ${admitted} of a budget of 301`);
    const samples = await metrics();
    const leased = select(samples, 'gatehouse_rate_limit_leased_total');
    const perWorker = leased.map((s) => s.value);
    assert.equal(perWorker.length, 2, `leases by worker: ${JSON.stringify(leased)}`);
    t.diagnostic(`admitted ${admitted} of 400 (budget 301); leased per worker: ${perWorker.join(', ')}`);
    assert.ok(
      perWorker.every((n) => n >= 30),
      `each worker served a share: ${perWorker}`,
    );
    assert.equal(
      sampleValue(samples, 'gatehouse_requests_denied_total', {
        namespace: 'apps',
        ingress: 'shared',
        reason: 'rate_limit',
      }),
      refused,
    );
  });

  it('limit-connections: a second request in progress is refused 503, admitted once the first ends', async () => {
    const first = status('conn.example');
    await waitFor('the first request reached the backend', () => held.length === 1);
    assert.equal(await status('conn.example', '/b'), 503);
    held[0].end('done');
    assert.equal(await first, 200);
    // The slot is released when the first response closes; that news may reach the primary just
    // after the next request's (from the other worker), so that one may still be refused.
    await waitFor('the released slot is taken again', async () => {
      let answered: number | undefined;
      const next = status('conn.example').then((code) => {
        answered = code;
        return code;
      });
      await waitFor('answered or held', () => answered !== undefined || held.length === 2);
      if (held.length < 2) return false;
      held[1].end('done');
      return (await next) === 200;
    });
    const samples = await metrics();
    assert.ok(
      (sampleValue(samples, 'gatehouse_requests_denied_total', {
        namespace: 'apps',
        ingress: 'conn',
        reason: 'connection_limit',
      }) ?? 0) >= 1,
    );
  });

  it('the allow list exempts its clients; others have a budget each, keyed by the trusted address', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    assert.deepEqual(
      await statuses(6, 'exempt.example', '/a', from('10.1.2.3')),
      [200, 200, 200, 200, 200, 200],
    );
    assert.deepEqual(await statuses(3, 'exempt.example', '/a', from('192.0.2.9')), [200, 200, 503]);
    assert.deepEqual(await statuses(3, 'exempt.example', '/a', from('192.0.2.10')), [200, 200, 503]);
  });

  /** A WebSocket handshake's status; the tunnel stays open until `keep` is false. */
  async function handshake(host: string, keep = false): Promise<{ status: number; close: () => void }> {
    const socket = connect({ port: g.httpPort, host: '127.0.0.1' });
    socket.on('error', () => {});
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    socket.write(
      `GET /a HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await waitFor('a handshake answer', () => received.includes('\r\n\r\n'));
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
    if (!keep) socket.destroy();
    return { status, close: () => socket.destroy() };
  }

  it('WebSocket handshakes are limited too: the budget, and a tunnel holds its connection slot', async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await handshake('ws.example')).status);
    assert.deepEqual(codes, [101, 101, 503]);
    const open = await handshake('ws-conn.example', true);
    assert.equal(open.status, 101);
    assert.equal((await handshake('ws-conn.example')).status, 503);
    open.close();
    await waitFor(
      'the tunnel closed and its slot is free',
      async () => (await handshake('ws-conn.example')).status === 101,
    );
  });

  it('limit-connections over HTTP/2: each stream is a request in progress, released when it closes', async () => {
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'conn.example',
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    const stream = (path: string) => {
      const s = session.request({ ':authority': 'conn.example', ':path': path });
      s.on('error', () => {});
      const answer = new Promise<number>((resolve) => {
        s.once('response', (h) => resolve(Number(h[':status'])));
        s.once('close', () => resolve(0));
      });
      s.resume();
      return answer;
    };
    try {
      const before = held.length;
      const first = stream('/a/h2-first');
      await waitFor('the first stream reached the backend', () => held.length === before + 1);
      assert.equal(await stream('/a/h2-second'), 503);
      held[before].end('done');
      assert.equal(await first, 200);
      await waitFor('the released slot is taken again', async () => {
        let answered: number | undefined;
        const next = stream('/b/h2-third').then((code) => {
          answered = code;
          return code;
        });
        await waitFor('answered or held', () => answered !== undefined || held.length === before + 2);
        if (held.length < before + 2) return false;
        held[before + 1].end('done');
        return (await next) === 200;
      });
      // The worker that served them is still the same process: nothing crashed.
      assert.match(g.output(), /listening/);
      assert.doesNotMatch(g.output(), /worker exited/);
    } finally {
      session.destroy();
    }
  });

  it('an invalid limit fails closed: 503 for every client', async () => {
    assert.equal(await status('bad.example'), 503);
  });
});
