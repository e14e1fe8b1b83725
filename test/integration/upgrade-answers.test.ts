// An Upgrade the backend does not accept still gets an answer at once: a non-101 answer is relayed
// as a normal response (as nginx does), a 101 to another protocol, a backend that closes and one
// that never answers get 502 or 504; a client that leaves first frees the backend's connection.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';

/** What the raw backend sends for each path of an upgrade request; `hold` never answers. */
const ANSWERS: Record<string, string | 'close' | 'hold'> = {
  '/ok200':
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-From: backend\r\n\r\nhello',
  '/chunked401':
    'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope!\r\n0\r\n\r\n',
  '/other101': 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
  '/bare101': 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n',
  '/close': 'close',
  '/hold': 'hold',
};

interface RawBackend {
  server: Server;
  port: number;
  open: Set<Socket>;
}

async function startRawBackend(): Promise<RawBackend> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      // By the path's last segment, so that any route can lead to any answer.
      const path = /^GET \S*(\/[^/\s]*) /.exec(head)?.[1] ?? '';
      head = '';
      const answer = ANSWERS[path] ?? 'close';
      if (answer === 'close') socket.destroy();
      else if (answer !== 'hold') socket.write(answer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, open };
}

/** Sends a WebSocket handshake for `path`; resolves with all the client received once the proxy closes. */
async function handshake(port: number, path: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: up.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  try {
    // Well inside the route's 60 s response-header timeout: an answer that waits for it fails here.
    await waitFor(
      `the proxy to answer and close (${path}), got ${JSON.stringify(received)}`,
      () => socket.closed,
      10_000,
    );
  } finally {
    socket.destroy();
  }
  return received;
}

describe('upgrades the backend does not accept', () => {
  let backend: RawBackend;
  let worker: BareWorker;

  before(async () => {
    backend = await startRawBackend();
    worker = await startWorker(
      tableOf(
        1,
        [
          prefixRoute('slow', '/slow', 'raw', { timeouts: { responseHeaderMs: 300 } }),
          prefixRoute('raw', '/', 'raw'),
        ],
        { raw: backend.port },
      ),
    );
  });

  after(async () => {
    await worker?.stop();
    for (const socket of backend?.open ?? []) socket.destroy();
    backend?.server.close();
  });

  test('a 200 instead of 101 is relayed to the client at once: status, headers and body', async () => {
    const received = await handshake(worker.httpPort, '/ok200');
    assert.match(received, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(received, /\r\nx-from: backend\r\n/i);
    assert.match(received, /\r\nconnection: close\r\n/i);
    assert.ok(received.endsWith('\r\n\r\nhello'), received);
  });

  test('a chunked 401 is relayed with its body, delimited by the connection closing', async () => {
    const received = await handshake(worker.httpPort, '/chunked401');
    assert.match(received, /^HTTP\/1\.1 401 Unauthorized\r\n/);
    assert.match(received, /\r\nwww-authenticate: Basic realm="x"\r\n/i);
    assert.doesNotMatch(received, /transfer-encoding/i);
    assert.ok(received.endsWith('\r\n\r\nnope!'), received);
  });

  test('a 101 switching to a protocol the client did not ask for answers 502', async () => {
    assert.match(await handshake(worker.httpPort, '/other101'), /^HTTP\/1\.1 502 /);
  });

  test('a 101 without an Upgrade field answers 502', async () => {
    assert.match(await handshake(worker.httpPort, '/bare101'), /^HTTP\/1\.1 502 /);
  });

  test('a backend that closes before answering gives 502', async () => {
    assert.match(await handshake(worker.httpPort, '/close'), /^HTTP\/1\.1 502 /);
  });

  test("a backend that never answers gives 504 after the route's response-header timeout", async () => {
    assert.match(await handshake(worker.httpPort, '/slow/hold'), /^HTTP\/1\.1 504 /);
  });

  test('a client that leaves before the backend answers frees the backend connection', async () => {
    await waitFor('earlier backend connections to close', () => backend.open.size === 0);
    const socket = connect(worker.httpPort, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write('GET /hold HTTP/1.1\r\nHost: up.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await waitFor('the handshake to reach the backend', () => backend.open.size === 1);
    socket.destroy();
    // The route's response-header timeout is 60 s: only the client's leaving can end this soon.
    await waitFor('the backend connection to close', () => backend.open.size === 0, 10_000);
  });

  test('the worker logged no handler failure', () => {
    assert.doesNotMatch(worker.output(), /handler failed/);
  });
});
