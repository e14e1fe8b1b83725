// Client-side protections of a worker, judged with raw sockets: slow or oversized requests get the
// status RFC 9110/9112 gives them (408, 413, 431), smuggling-shaped requests get 400 before any
// byte reaches a backend, HTTP/2 limits hold against floods, and the worker keeps serving others.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { type Backend, startBackend, waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';

const HEADER_TIMEOUT_MS = 500;
const KEEPALIVE_MS = 300;
const BODY_LIMIT = 100;
const H = 'Host: protect.test\r\n';

/** Sends `bytes` on a fresh connection; the status line of the first response (or '' on none). */
async function statusOf(port: number, bytes: string): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  socket.write(bytes);
  try {
    const line = await waitFor('a status line', () => /^HTTP\/1\.1 (\d{3}) /.exec(received)?.[1], 3_000);
    return Number(line);
  } finally {
    socket.destroy();
  }
}

function headers(n: number): string {
  return Array.from({ length: n }, (_, i) => `X-Field-${i}: v\r\n`).join('');
}

describe('client protections', () => {
  let backend: Backend;
  let worker: BareWorker;
  /** Requests that reached the backend, by path. */
  const reached: string[] = [];

  before(async () => {
    backend = await startBackend('protected', (req, res) => {
      reached.push(req.url ?? '');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      req.on('end', () => res.end(`received ${bytes}`));
    });
    worker = await startWorker(
      tableOf(
        1,
        [
          prefixRoute('limited', '/limited', 'protected', { maxRequestBodyBytes: BODY_LIMIT }),
          prefixRoute('open', '/', 'protected'),
        ],
        { protected: backend.port },
      ),
      { clientHeaderTimeoutMs: HEADER_TIMEOUT_MS, keepAliveTimeoutMs: KEEPALIVE_MS },
    );
  });

  after(async () => {
    await worker?.stop();
    await backend?.close();
  });

  const cases: Array<[string, string, number]> = [
    ['a well-formed request is served', `GET /ok HTTP/1.1\r\n${H}\r\n`, 200],
    [
      'Content-Length with Transfer-Encoding is refused (CL.TE smuggling)',
      `POST /smuggle HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'two different Content-Lengths are refused',
      `POST /smuggle HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
      400,
    ],
    [
      'a Transfer-Encoding that does not end in chunked is refused',
      `POST /smuggle HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'an unknown transfer coding is refused',
      `POST /smuggle HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'an invalid chunk size is refused',
      `POST /smuggle HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
      400,
    ],
    [
      'chunks delimited by a bare LF are refused',
      `POST /smuggle HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n`,
      400,
    ],
    ['an obs-fold continuation line is refused', `GET /smuggle HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, 400],
    [
      'a control character in a header value is refused',
      `GET /smuggle HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`,
      400,
    ],
    ['a space in a header name is refused', `GET /smuggle HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`, 400],
    // A Host that is not host[:port] (RFC 9110 §7.2) is never routed, redirected or forwarded.
    ['a Host with a slash is refused', 'GET /smuggle HTTP/1.1\r\nHost: evil/x.protect.test\r\n\r\n', 400],
    ['an empty Host is refused', 'GET /smuggle HTTP/1.1\r\nHost:\r\n\r\n', 400],
    // Node keeps the first Host; a backend reading the second would see another host (RFC 9112 §3.2).
    ['a repeated Host is refused', `GET /smuggle HTTP/1.1\r\n${H}Host: other.test\r\n\r\n`, 400],
    [
      'a WebSocket handshake with an empty label in its Host is refused',
      'GET /smuggle HTTP/1.1\r\nHost: a..protect.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      400,
    ],
    [
      'whitespace before the colon is refused',
      `POST /smuggle HTTP/1.1\r\n${H}Content-Length : 3\r\n\r\nabc`,
      400,
    ],
    [
      'headers over 32 KiB answer 431',
      `GET /smuggle HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
      431,
    ],
    ['more than 100 header fields answer 431', `GET /smuggle HTTP/1.1\r\n${H}${headers(100)}\r\n`, 431],
    ['100 header fields are served', `GET /ok HTTP/1.1\r\n${H}${headers(99)}\r\n`, 200],
    // nginx answers 505 to a major version other than 1 (RFC 9110 §15.6.6): HTTP/2 is ALPN or h2c only.
    ['an HTTP/1 request line claiming HTTP/2.0 answers 505', `GET /smuggle HTTP/2.0\r\n${H}\r\n`, 505],
    ['an HTTP/1 request line claiming HTTP/3.0 answers 505', `GET /smuggle HTTP/3.0\r\n${H}\r\n`, 505],
    ['an HTTP/0.9 request line with fields answers 505', `GET /smuggle HTTP/0.9\r\n${H}\r\n`, 505],
    ['a request line without a version (HTTP/0.9) answers 505', `GET /smuggle\r\n${H}\r\n`, 505],
    [
      'an upgrade on a request line claiming HTTP/2.0 answers 505',
      `GET /smuggle HTTP/2.0\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      505,
    ],
    [
      'a declared body over the route limit answers 413',
      `POST /limited HTTP/1.1\r\n${H}Content-Length: ${BODY_LIMIT + 1}\r\n\r\n${'a'.repeat(BODY_LIMIT + 1)}`,
      413,
    ],
    [
      'a chunked body over the route limit answers 413 while streaming',
      `POST /limited HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n64\r\n${'a'.repeat(100)}\r\n1\r\na\r\n0\r\n\r\n`,
      413,
    ],
    [
      'a chunked body within the route limit is served',
      `POST /limited/ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n64\r\n${'a'.repeat(100)}\r\n0\r\n\r\n`,
      200,
    ],
  ];
  for (const [rule, bytes, status] of cases) {
    test(`${rule} (${status})`, async () => {
      assert.equal(await statusOf(worker.httpPort, bytes), status);
    });
  }

  test('HTTP/2: an :authority that is not a host is refused: 400, or a stream reset by nghttp2', async () => {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    const outcome = (authority: string, path = '/smuggle') =>
      new Promise<string>((resolve) => {
        const stream = session.request({ ':path': path, ':authority': authority });
        stream.on('error', () => {});
        stream.on('response', (h) => resolve(`status ${h[':status']}`));
        stream.on('close', () => resolve(`reset ${stream.rstCode}`));
        stream.resume();
        stream.end();
      });
    try {
      for (const authority of ['a..protect.test', '.protect.test', 'protect.test:8a', '[::1'])
        assert.equal(await outcome(authority), 'status 400', authority);
      // nghttp2 checks :authority characters itself (RFC 9113 §8.3.1): PROTOCOL_ERROR before us.
      for (const authority of ['user@protect.test', 'evil/x.protect.test'])
        assert.equal(await outcome(authority), 'reset 1', authority);
      assert.equal(await outcome('protect.test', '/ok'), 'status 200', 'a good one on the same session');
    } finally {
      session.destroy();
    }
  });

  test('no request made the handler throw', () => {
    assert.doesNotMatch(worker.output(), /handler failed/);
  });

  test('no refused request reached the backend', () => {
    assert.ok(reached.includes('/ok'), 'the well-formed requests did');
    assert.deepEqual(
      reached.filter((path) => path === '/smuggle'),
      [],
    );
  });

  test('slowloris: headers trickling past the header timeout get 408 while others are served', async () => {
    const slow = connect(worker.httpPort, '127.0.0.1');
    await once(slow, 'connect');
    let received = '';
    slow.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    slow.write(`GET /slow HTTP/1.1\r\n${H}`);
    const started = Date.now();
    const drip = setInterval(() => slow.writable && slow.write('X-Drip: 1\r\n'), 50);
    try {
      assert.equal(await statusOf(worker.httpPort, `GET /ok HTTP/1.1\r\n${H}\r\n`), 200);
      await once(slow, 'close');
    } finally {
      clearInterval(drip);
    }
    const elapsed = Date.now() - started;
    assert.match(received, /^HTTP\/1\.1 408 /);
    assert.ok(elapsed >= HEADER_TIMEOUT_MS - 50, `closed after ${elapsed} ms`);
    assert.equal(await statusOf(worker.httpPort, `GET /ok HTTP/1.1\r\n${H}\r\n`), 200);
  });

  test('slowloris over TLS (HTTP/1.1 through ALPN) gets 408 as well', async () => {
    const slow = tlsConnect({
      host: '127.0.0.1',
      port: worker.httpsPort,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    await once(slow, 'secureConnect');
    let received = '';
    slow.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    slow.write(`GET /slow HTTP/1.1\r\n${H}`);
    const drip = setInterval(() => slow.writable && slow.write('X-Drip: 1\r\n'), 50);
    try {
      await once(slow, 'close');
    } finally {
      clearInterval(drip);
    }
    assert.match(received, /^HTTP\/1\.1 408 /);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const socket = connect(worker.httpPort, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    socket.write(`GET /ok HTTP/1.1\r\n${H}\r\n`);
    await waitFor('the response', () => received.includes('received 0'));
    const idleFrom = Date.now();
    await once(socket, 'close');
    const idle = Date.now() - idleFrom;
    // Node adds keepAliveTimeoutBuffer (1 s) to the advertised timeout before it closes.
    assert.ok(idle >= KEEPALIVE_MS - 50 && idle < KEEPALIVE_MS + 3_000, `closed after ${idle} ms idle`);
  });

  test('HTTP/2 advertises bounded settings: 128 streams, 32 KiB of headers, no push', async () => {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, { rejectUnauthorized: false });
    try {
      const [settings] = (await once(session, 'remoteSettings')) as [Record<string, unknown>];
      assert.equal(settings.maxConcurrentStreams, 128);
      assert.equal(settings.maxHeaderListSize, 32 * 1024);
      assert.equal(settings.enablePush, false);
    } finally {
      session.destroy();
    }
  });

  test('HTTP/2 streams with too many or too large headers are reset; the session and worker go on', async () => {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, {
      rejectUnauthorized: false,
      maxSendHeaderBlockLength: 1 << 20,
    });
    session.on('error', () => {});
    const outcome = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const stream = session.request({ ':path': '/h2', ...headers });
        stream.on('error', () => {});
        stream.on('response', (h) => resolve(`status ${h[':status']}`));
        stream.on('close', () => resolve(`reset ${stream.rstCode}`));
        stream.resume();
        stream.end();
      });
    try {
      await once(session, 'remoteSettings');
      const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-field-${i}`, 'v']));
      assert.equal(await outcome(many), 'reset 11', 'ENHANCE_YOUR_CALM for 150 fields');
      assert.equal(await outcome({ 'x-big': 'a'.repeat(40_000) }), 'reset 11', 'ENHANCE_YOUR_CALM for 40 KB');
    } finally {
      session.destroy();
    }
    assert.equal(await statusOf(worker.httpPort, `GET /ok HTTP/1.1\r\n${H}\r\n`), 200);
  });

  test('HTTP/2 rapid reset (CVE-2023-44487): a client cancelling streams in a flood is disconnected', async () => {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    await once(session, 'remoteSettings');
    let opened = 0;
    for (let i = 0; i < 5_000 && !session.destroyed && !session.closed; i++) {
      const stream = session.request({ ':path': '/reset' });
      stream.on('error', () => {});
      stream.close(8 /* CANCEL */);
      opened++;
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await waitFor('the session to be closed by the server', () => session.destroyed || session.closed);
    assert.ok(opened < 5_000, `the server let ${opened} streams be opened and reset`);
    assert.equal(worker.proc.exitCode, null);
    assert.equal(await statusOf(worker.httpPort, `GET /ok HTTP/1.1\r\n${H}\r\n`), 200);
  });
});
