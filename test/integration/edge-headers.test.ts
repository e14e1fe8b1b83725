// What a client may tell the edge through headers (issue #25): a trusted proxy's
// `X-Forwarded-Proto: https` counts as HTTPS for the HTTP→HTTPS redirect (an untrusted client's
// never does), for plain requests and upgrades alike; and no name a Connection header lists can
// strip Host or any other end-to-end header, either way. Judged with raw sockets against one worker
// that trusts 127.0.0.1 only: connections from 127.0.0.2 are an untrusted client.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
import type { RouteTable } from '../../dataplane/src/table/types.ts';
import { type Backend, startBackend, waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker } from './worker-harness.ts';
import { type EchoServer, startEchoServer } from './ws-echo.ts';

const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';

interface Answer {
  status: number;
  head: string;
  body: string;
}

/** Sends `request` from `from` on a fresh connection; the first answer's status line and head. */
async function exchange(port: number, from: string, request: string): Promise<Answer> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  socket.on('error', () => {});
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  socket.write(request);
  try {
    const end = await waitFor('an answer head', () => {
      const i = received.indexOf('\r\n\r\n');
      return i === -1 ? undefined : i;
    });
    const head = received.slice(0, end);
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0);
    if (status !== 101) await waitFor('the answer to end', () => socket.readableEnded);
    return { status, head, body: received.slice(end + 4) };
  } finally {
    socket.destroy();
  }
}

function headerOf(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

function get(host: string, path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`;
}

function handshake(host: string, path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`
  );
}

describe('forwarded scheme and Connection-listed headers at the edge', () => {
  let web: Backend;
  let echo: EchoServer;
  let worker: BareWorker;

  before(async () => {
    web = await startBackend('web', (req, res) => {
      if (req.url === '/listing') {
        // A backend naming end-to-end fields in Connection (RFC 9110 §7.6.1 says it must not).
        res.writeHead(200, {
          connection: 'close, content-type, set-cookie, x-kept',
          'content-type': 'text/x-kept',
          'set-cookie': 'session=1',
          'x-kept': 'yes',
          'content-length': 6,
        });
        res.end('listed');
        return;
      }
      const body = JSON.stringify({ host: req.headers.host, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    echo = await startEchoServer();
    const routes = [prefixRoute('ws', '/ws', 'echo'), prefixRoute('web', '/', 'web')];
    const backend = (port: number) => ({
      namespace: 'test',
      service: 'svc',
      protocol: 'HTTP' as const,
      endpoints: [{ address: '127.0.0.1', port }],
      balancer: { type: 'RoundRobin' as const },
    });
    const table: RouteTable = {
      version: 1,
      hosts: [
        { host: 'secure.test', routes, tls: { certificate: 'secure', redirect: true } },
        { host: 'plain.test', routes },
      ],
      backends: { web: backend(web.port), echo: backend(echo.port) },
      certificates: { secure: selfSignedCertificate({ dnsNames: ['secure.test'] }) },
    };
    worker = await startWorker(table, { trustedProxies: [`${TRUSTED}/32`] });
  });

  after(async () => {
    await worker?.stop();
    await web?.close();
    await echo?.close();
  });

  describe('X-Forwarded-Proto and the HTTP→HTTPS redirect', () => {
    test('a trusted proxy saying https is served, not redirected (no redirect loop behind TLS offload)', async () => {
      const a = await exchange(
        worker.httpPort,
        TRUSTED,
        get('secure.test', '/a', 'X-Forwarded-Proto: https\r\n'),
      );
      assert.equal(a.status, 200, a.head);
      assert.equal(JSON.parse(a.body).headers['x-forwarded-proto'], 'https');
    });

    test('a trusted proxy saying http is redirected', async () => {
      const a = await exchange(
        worker.httpPort,
        TRUSTED,
        get('secure.test', '/a', 'X-Forwarded-Proto: http\r\n'),
      );
      assert.equal(a.status, 308, a.head);
    });

    test('an untrusted client saying https is still redirected with 308', async () => {
      const a = await exchange(
        worker.httpPort,
        UNTRUSTED,
        get('secure.test', '/a', 'X-Forwarded-Proto: https\r\n'),
      );
      assert.equal(a.status, 308, a.head);
      // A bare worker is told port 0 and binds any: the Location names the configured HTTPS port.
      assert.match(headerOf(a.head, 'location') ?? '', /^https:\/\/secure\.test(:\d+)?\/a$/);
    });

    test("a trusted proxy's https handshake is tunnelled; an untrusted client's gets 308", async () => {
      const probe = randomUUID();
      const trusted = await exchange(
        worker.httpPort,
        TRUSTED,
        handshake('secure.test', '/ws', `X-Forwarded-Proto: https\r\nX-Probe: ${probe}\r\n`),
      );
      assert.equal(trusted.status, 101, trusted.head);
      assert.ok(echo.upgrades.some((h) => h['x-probe'] === probe && h['x-forwarded-proto'] === 'https'));
      const untrusted = await exchange(
        worker.httpPort,
        UNTRUSTED,
        handshake('secure.test', '/ws', 'X-Forwarded-Proto: https\r\n'),
      );
      assert.equal(untrusted.status, 308, untrusted.head);
    });
  });

  describe('names listed in Connection', () => {
    test('`Connection: close, host` still sends the right Host upstream', async () => {
      const a = await exchange(
        worker.httpPort,
        UNTRUSTED,
        'GET /a HTTP/1.1\r\nHost: plain.test\r\nConnection: close, host, x-request-id\r\nX-Request-ID: id-1\r\n\r\n',
      );
      assert.equal(a.status, 200, a.head);
      const seen = JSON.parse(a.body);
      assert.equal(seen.host, 'plain.test');
      assert.equal(seen.headers['x-request-id'], 'id-1');
      assert.equal(seen.headers['x-real-ip'], UNTRUSTED);
    });

    test('an upgrade listing host in Connection still sends the right Host upstream', async () => {
      const probe = randomUUID();
      const a = await exchange(
        worker.httpPort,
        UNTRUSTED,
        `GET /ws HTTP/1.1\r\nHost: plain.test\r\nConnection: Upgrade, host\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Probe: ${probe}\r\n\r\n`,
      );
      assert.equal(a.status, 101, a.head);
      const seen = echo.upgrades.find((h) => h['x-probe'] === probe);
      assert.equal(seen?.host, 'plain.test');
    });

    test("a backend's Connection list strips none of its end-to-end headers from the response", async () => {
      const a = await exchange(worker.httpPort, UNTRUSTED, get('plain.test', '/listing'));
      assert.equal(a.status, 200, a.head);
      assert.equal(headerOf(a.head, 'content-type'), 'text/x-kept');
      assert.equal(headerOf(a.head, 'set-cookie'), 'session=1');
      assert.equal(headerOf(a.head, 'x-kept'), 'yes');
      assert.equal(a.body, 'listed');
    });
  });
});
