// PROXY protocol at the edge (--proxy-protocol, issue #25): a trusted balancer's v1 or v2 header,
// on the plain and the TLS listener (HTTP/1.1 and h2), names the client the backend sees in
// X-Forwarded-For and X-Real-IP and the access log records; a LOCAL header keeps the balancer; an
// untrusted peer, a missing, garbled or oversized header, or one that never ends is refused by
// closing the connection. One worker, trusting 127.0.0.1 and 10.0.0.0/8; 127.0.0.2 is untrusted.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { type Backend, startBackend, waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';
import { type EchoServer, startEchoServer } from './ws-echo.ts';

const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';
const HEADER_TIMEOUT_MS = 500;

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v1(source: string, family: 'TCP4' | 'TCP6' = 'TCP4'): Buffer {
  const destination = family === 'TCP4' ? '198.51.100.1' : '2001:db8::1';
  return Buffer.from(`PROXY ${family} ${source} ${destination} 51000 443\r\n`, 'latin1');
}

/** v2 PROXY over TCP6 from `source` (8 groups), with one NOOP TLV; or LOCAL. */
function v2(source: number[] | 'local'): Buffer {
  if (source === 'local') return Buffer.concat([SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const body = Buffer.alloc(36 + 5);
  for (const [i, g] of source.entries()) body.writeUInt16BE(g, 2 * i);
  body.writeUInt16BE(0x2001, 16);
  body.writeUInt16BE(51000, 32);
  body.writeUInt16BE(443, 34);
  body.set([0x04, 0x00, 0x02, 0x00, 0x00], 36);
  const head = Buffer.from([0x21, 0x21, 0x00, body.length]);
  return Buffer.concat([SIGNATURE, head, body]);
}

async function open(port: number, from = TRUSTED): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** What the backend saw for one plain request sent after `preface`, each piece its own write. */
async function plainRequest(port: number, pieces: Array<Buffer | string>, from = TRUSTED) {
  const socket = await open(port, from);
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  for (const piece of pieces) {
    socket.write(piece);
    // Separate segments: the gate must put pieces together across reads.
    await new Promise<void>((resolve) => socket.write('', () => resolve()));
  }
  socket.write(
    'GET /seen HTTP/1.1\r\nHost: pp.test\r\nConnection: close\r\nX-Forwarded-For: 192.0.2.99\r\n\r\n',
  );
  await waitFor('the answer', () => socket.readableEnded);
  socket.destroy();
  const body = received.slice(received.indexOf('\r\n\r\n') + 4);
  assert.match(received, /^HTTP\/1\.1 200 /, received);
  return JSON.parse(body) as Record<string, string>;
}

/** A TLS connection after `preface` on the raw socket, offering `alpn`. */
async function tlsAfter(port: number, preface: Buffer, alpn: string[]): Promise<TLSSocket> {
  const raw = await open(port);
  raw.write(preface);
  const tls = tlsConnect({
    socket: raw,
    servername: 'pp.test',
    rejectUnauthorized: false,
    ALPNProtocols: alpn,
  });
  await once(tls, 'secureConnect');
  return tls;
}

/** Whether the server closed the connection without answering a byte. */
async function closedUnanswered(socket: Socket, send: Buffer | string): Promise<boolean> {
  let answered = false;
  socket.on('data', () => {
    answered = true;
  });
  socket.write(send);
  await waitFor('the server to close the connection', () => socket.destroyed || socket.readableEnded);
  socket.destroy();
  return !answered;
}

describe('PROXY protocol (--proxy-protocol)', () => {
  let backend: Backend;
  let echo: EchoServer;
  let worker: BareWorker;

  before(async () => {
    backend = await startBackend('pp', (req, res) => {
      const body = JSON.stringify({
        xff: req.headers['x-forwarded-for'],
        realIp: req.headers['x-real-ip'],
        proto: req.headers['x-forwarded-proto'],
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    echo = await startEchoServer();
    const routes = [prefixRoute('ws', '/ws', 'echo'), prefixRoute('pp', '/', 'pp')];
    worker = await startWorker(tableOf(1, routes, { pp: backend.port, echo: echo.port }), {
      proxyProtocol: true,
      trustedProxies: [`${TRUSTED}/32`, '10.0.0.0/8'],
      clientHeaderTimeoutMs: HEADER_TIMEOUT_MS,
      accessLog: { sampleRate: 1 },
      logLevel: 'debug',
    });
  });

  after(async () => {
    await worker?.stop();
    await backend?.close();
    await echo?.close();
  });

  describe('the address a trusted balancer names is the client', () => {
    test('v1 TCP4 on the plain listener: X-Forwarded-For, X-Real-IP and the access log', async () => {
      const seen = await plainRequest(worker.httpPort, [v1('203.0.113.7')]);
      // The named client is not a trusted proxy: its own X-Forwarded-For claim is not believed.
      assert.equal(seen.xff, '203.0.113.7');
      assert.equal(seen.realIp, '203.0.113.7');
      await waitFor('the access log line', () => worker.output().includes('"client":"203.0.113.7"'));
    });

    test('v2 TCP6 with a TLV, the header split over several writes', async () => {
      const header = v2([0x2001, 0xdb8, 0, 0, 0, 0, 0, 7]);
      const seen = await plainRequest(worker.httpPort, [
        header.subarray(0, 5),
        header.subarray(5, 30),
        header.subarray(30),
      ]);
      assert.equal(seen.xff, '2001:db8::7');
      assert.equal(seen.realIp, '2001:db8::7');
    });

    test('v1 TCP6 on the plain listener', async () => {
      const seen = await plainRequest(worker.httpPort, [v1('2001:db8::8', 'TCP6')]);
      assert.equal(seen.realIp, '2001:db8::8');
    });

    test('v2 LOCAL (a balancer health check) keeps the real peer', async () => {
      const seen = await plainRequest(worker.httpPort, [v2('local')]);
      // The peer itself is a trusted proxy, so its X-Forwarded-For is believed, as without PROXY.
      assert.equal(seen.realIp, '192.0.2.99');
      assert.equal(seen.xff, `192.0.2.99, ${TRUSTED}`);
    });

    test('a named client that is itself a trusted proxy has its X-Forwarded-For believed', async () => {
      const seen = await plainRequest(worker.httpPort, [v1('10.1.2.3')]);
      assert.equal(seen.realIp, '192.0.2.99');
      assert.equal(seen.xff, '192.0.2.99, 10.1.2.3');
    });

    test('an upgrade after a v1 header: the backend sees the named client', async () => {
      const socket = await open(worker.httpPort);
      let received = '';
      socket.on('data', (d: Buffer) => {
        received += d.toString('latin1');
      });
      socket.write(
        Buffer.concat([
          v1('203.0.113.11'),
          Buffer.from(
            'GET /ws HTTP/1.1\r\nHost: pp.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        ]),
      );
      await waitFor('the 101', () => received.includes('\r\n\r\n'));
      socket.destroy();
      assert.match(received, /^HTTP\/1\.1 101 /, received);
      assert.equal(echo.upgrades.at(-1)?.['x-real-ip'], '203.0.113.11');
      assert.equal(echo.upgrades.at(-1)?.['x-forwarded-for'], '203.0.113.11');
    });

    test('v1 before the TLS handshake, HTTP/1.1 inside', async () => {
      const tls = await tlsAfter(worker.httpsPort, v1('203.0.113.9'), ['http/1.1']);
      let received = '';
      tls.on('data', (d: Buffer) => {
        received += d.toString('latin1');
      });
      tls.write('GET /seen HTTP/1.1\r\nHost: pp.test\r\nConnection: close\r\n\r\n');
      await waitFor('the answer', () => tls.readableEnded);
      tls.destroy();
      const seen = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4));
      assert.equal(seen.realIp, '203.0.113.9');
      assert.equal(seen.xff, '203.0.113.9');
      assert.equal(seen.proto, 'https');
    });

    test('v2 before the TLS handshake, HTTP/2 inside', async () => {
      const tls = await tlsAfter(worker.httpsPort, v2([0x2001, 0xdb8, 0, 0, 0, 0, 0, 9]), ['h2']);
      assert.equal(tls.alpnProtocol, 'h2');
      const session = http2Connect('https://pp.test', { createConnection: () => tls });
      session.on('error', () => {});
      try {
        const stream = session.request({ ':path': '/seen', ':authority': 'pp.test' });
        let body = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => {
          body += d;
        });
        await once(stream, 'end');
        const seen = JSON.parse(body);
        assert.equal(seen.realIp, '2001:db8::9');
        assert.equal(seen.xff, '2001:db8::9');
      } finally {
        session.destroy();
      }
    });
  });

  describe('refused by closing the connection', () => {
    test('a valid header from a peer not in --trusted-proxies', async () => {
      const socket = await open(worker.httpPort, UNTRUSTED);
      assert.ok(
        await closedUnanswered(
          socket,
          Buffer.concat([v1('203.0.113.7'), Buffer.from('GET / HTTP/1.1\r\n\r\n')]),
        ),
      );
    });

    test('the same on the TLS listener, before any handshake', async () => {
      const socket = await open(worker.httpsPort, UNTRUSTED);
      assert.ok(await closedUnanswered(socket, v1('203.0.113.7')));
    });

    test('a request with no header at all', async () => {
      const socket = await open(worker.httpPort);
      assert.ok(await closedUnanswered(socket, 'GET / HTTP/1.1\r\nHost: pp.test\r\n\r\n'));
    });

    test('a TLS ClientHello with no header before it', async () => {
      const raw = await open(worker.httpsPort);
      const tls = tlsConnect({ socket: raw, servername: 'pp.test', rejectUnauthorized: false });
      let secured = false;
      tls.on('secureConnect', () => {
        secured = true;
        tls.destroy();
      });
      tls.on('error', () => {});
      await waitFor('the connection to close', () => tls.destroyed);
      assert.equal(secured, false, 'the handshake succeeded without a PROXY header');
    });

    test('a garbled v1 line', async () => {
      const socket = await open(worker.httpPort);
      assert.ok(
        await closedUnanswered(socket, 'PROXY TCP4 203.0.113.7 nowhere 1 2\r\nGET / HTTP/1.1\r\n\r\n'),
      );
    });

    test('a v2 header declaring more than 4096 bytes', async () => {
      const socket = await open(worker.httpPort);
      assert.ok(
        await closedUnanswered(socket, Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x11, 0x10, 0x00])])),
      );
    });

    test('a header that never ends is cut off at the client header timeout', async () => {
      const socket = await open(worker.httpPort);
      assert.ok(await closedUnanswered(socket, 'PROXY TCP4 203.0.'));
    });

    test('the worker keeps serving after every refusal, and says why in its log', async () => {
      const seen = await plainRequest(worker.httpPort, [v1('203.0.113.10')]);
      assert.equal(seen.realIp, '203.0.113.10');
      for (const reason of ['untrusted', 'malformed', 'timeout']) {
        assert.match(worker.output(), new RegExp(`PROXY protocol header refused.*"reason":"${reason}"`));
      }
    });
  });
});
