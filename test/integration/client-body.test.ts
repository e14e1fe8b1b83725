// Slow request bodies (issue 25 item 4): a body that stops (--client-body-timeout, nginx's
// client_body_timeout) or drips slower than --client-body-min-rate after its grace gets 408 and
// its connection closed, over HTTP/1.1, HTTP/1.1 on TLS and HTTP/2, and the backend's request is
// aborted, so that no upstream connection stays held. A slow but steady upload is served whole.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type ClientHttp2Session, connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
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
} from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';

const H = 'Host: body.test\r\n';
/** Long enough that a loaded machine never starves a steady upload; short enough for a quick test. */
const IDLE_MS = 1_000;

/** How each request's body ended at the backend, by path: `complete <bytes>` or `aborted`. */
type Outcomes = Map<string, string>;

function bodyBackend(name: string, outcomes: Outcomes): Promise<Backend> {
  return startBackend(name, (req, res) => {
    const path = req.url ?? '';
    if (path.endsWith('/early')) {
      // Answers before reading the body: the exchange is over while the client is still uploading.
      res.end('early');
      return;
    }
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => {
      outcomes.set(path, `complete ${bytes}`);
      res.end(`received ${bytes}`);
    });
    req.on('close', () => {
      if (!req.complete) outcomes.set(path, 'aborted');
    });
  });
}

interface RawClient {
  socket: Duplex;
  received(): string;
  /** Writes `chunk` every `everyMs` until the socket closes or `times` writes are done. */
  drip(chunk: string, everyMs: number, times?: number): void;
  stop(): void;
}

async function rawClient(port: number, tls = false): Promise<RawClient> {
  const socket = tls
    ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, tls ? 'secureConnect' : 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => clearInterval(timer);
  socket.on('close', stop);
  return {
    socket,
    received: () => received,
    drip: (chunk, everyMs, times = 10_000) => {
      let left = times;
      timer = setInterval(() => {
        if (left-- <= 0 || !socket.writable) stop();
        else socket.write(chunk);
      }, everyMs);
    },
    stop,
  };
}

/** Waits (generously) for the proxy to close the connection; returns what the client received. */
async function closedBy(client: RawClient, what: string): Promise<string> {
  try {
    await waitFor(`${what}: the proxy to close the connection`, () => client.socket.closed, 20_000);
  } finally {
    client.stop();
    client.socket.destroy();
  }
  return client.received();
}

/**
 * One HTTP/2 upload: a first byte, then `times` more, one every `everyMs`, then the end of the body
 * unless `ends` is false. Resolves with the response once the stream closes.
 */
function h2Upload(
  session: ClientHttp2Session,
  path: string,
  upload: { everyMs: number; times: number; ends: boolean },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, ':authority': 'body.test' });
    stream.on('error', () => {});
    let status = 0;
    let body = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.on('data', (d: Buffer) => {
      body += d.toString();
    });
    let left = upload.times;
    const timer = setInterval(() => {
      if (stream.closed || stream.destroyed || !stream.writable) return;
      if (left-- > 0) stream.write('b');
      else if (upload.ends) stream.end();
    }, upload.everyMs);
    stream.write('a');
    // A generous deadline: a stream the proxy never answers fails the test instead of hanging it.
    const giveUp = setTimeout(() => stream.close(), 20_000);
    stream.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      if (status === 0) reject(new Error(`stream closed without a response (rst ${stream.rstCode})`));
      else resolve({ status, body });
    });
  });
}

describe('client body timeout between reads (nginx client_body_timeout)', () => {
  const outcomes: Outcomes = new Map();
  let backend: Backend;
  let worker: BareWorker;

  before(async () => {
    backend = await bodyBackend('bodies', outcomes);
    worker = await startWorker(tableOf(1, [prefixRoute('bodies', '/', 'bodies')], { bodies: backend.port }), {
      clientBodyTimeoutMs: IDLE_MS,
      clientBodyMinRate: 0,
    });
  });

  after(async () => {
    await worker?.stop();
    await backend?.close();
  });

  test('HTTP/1.1: a body that stops gets 408 with Connection: close; the backend request is aborted', async () => {
    const client = await rawClient(worker.httpPort);
    client.socket.write(`POST /stalled HTTP/1.1\r\n${H}Content-Length: 1000000\r\n\r\nabc`);
    const received = await closedBy(client, 'a stalled body');
    assert.match(received, /^HTTP\/1\.1 408 /);
    assert.match(received, /\r\nconnection: close\r\n/i);
    await waitFor('the backend to see its request aborted', () => outcomes.get('/stalled') === 'aborted');
  });

  test('HTTP/1.1 on TLS: a body that stops gets 408', async () => {
    const client = await rawClient(worker.httpsPort, true);
    client.socket.write(`POST /stalled-tls HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`);
    assert.match(await closedBy(client, 'a stalled chunked body over TLS'), /^HTTP\/1\.1 408 /);
    await waitFor('the backend to see its request aborted', () => outcomes.get('/stalled-tls') === 'aborted');
  });

  test('HTTP/2: a body that stops gets 408 on its stream; the session serves on', async () => {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    try {
      const stalled = await h2Upload(session, '/stalled-h2', { everyMs: 10, times: 0, ends: false });
      assert.equal(stalled.status, 408);
      await waitFor(
        'the backend to see its request aborted',
        () => outcomes.get('/stalled-h2') === 'aborted',
      );
      const next = await h2Upload(session, '/after-h2', { everyMs: 1, times: 2, ends: true });
      assert.deepEqual(next, { status: 200, body: 'received 3' });
    } finally {
      session.destroy();
    }
  });

  test('a body that keeps coming, each byte within the timeout, is served whole', async () => {
    const client = await rawClient(worker.httpPort);
    // 20 × 50 bytes, one every 100 ms: two seconds in all, twice the timeout, never idle for long.
    client.socket.write(`POST /steady HTTP/1.1\r\n${H}Content-Length: 1000\r\nConnection: close\r\n\r\n`);
    client.drip('x'.repeat(50), 100, 20);
    const received = await closedBy(client, 'a steady body');
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.ok(received.endsWith('received 1000'), received);
  });

  test('a backend that answered before the body ended: the response is delivered, then the stalled client is closed', async () => {
    const client = await rawClient(worker.httpPort);
    client.socket.write(`POST /early HTTP/1.1\r\n${H}Content-Length: 1000000\r\n\r\nabc`);
    const received = await closedBy(client, 'a stalled body after the answer');
    assert.match(received, /^HTTP\/1\.1 200 /);
  });

  test('the worker keeps serving and logged no failure', async () => {
    const client = await rawClient(worker.httpPort);
    client.socket.write(`POST /last HTTP/1.1\r\n${H}Content-Length: 2\r\nConnection: close\r\n\r\nok`);
    assert.ok((await closedBy(client, 'a plain request')).endsWith('received 2'));
    assert.doesNotMatch(worker.output(), /handler failed|uncaught/);
  });
});

describe('client body minimum rate, after a grace (beyond nginx; Apache mod_reqtimeout MinRate)', () => {
  const outcomes: Outcomes = new Map();
  let backend: Backend;
  let worker: BareWorker;

  before(async () => {
    backend = await bodyBackend('drips', outcomes);
    // The between-reads timeout is far away: only the rate can end these drips.
    worker = await startWorker(tableOf(1, [prefixRoute('drips', '/', 'drips')], { drips: backend.port }), {
      clientBodyTimeoutMs: 120_000,
      clientBodyMinRate: 1024,
      clientBodyMinRateGraceMs: 1_000,
    });
  });

  after(async () => {
    await worker?.stop();
    await backend?.close();
  });

  test('HTTP/1.1: a drip of a byte every 100 ms gets 408 once the grace is spent; the backend request is aborted', async () => {
    const client = await rawClient(worker.httpPort);
    client.socket.write(`POST /drip HTTP/1.1\r\n${H}Content-Length: 1000000\r\n\r\n`);
    client.drip('d', 100);
    assert.match(await closedBy(client, 'a drip'), /^HTTP\/1\.1 408 /);
    await waitFor('the backend to see its request aborted', () => outcomes.get('/drip') === 'aborted');
  });

  test('HTTP/2: a drip gets 408 on its stream', async () => {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    try {
      const drip = await h2Upload(session, '/drip-h2', { everyMs: 100, times: 10_000, ends: false });
      assert.equal(drip.status, 408);
      await waitFor('the backend to see its request aborted', () => outcomes.get('/drip-h2') === 'aborted');
    } finally {
      session.destroy();
    }
  });

  test('a slow but steady upload above the rate is served whole', async () => {
    const client = await rawClient(worker.httpPort);
    // 30 × 2 KiB, one every 100 ms: three seconds at ~20 KiB/s, well past the grace.
    client.socket.write(`POST /upload HTTP/1.1\r\n${H}Content-Length: 61440\r\nConnection: close\r\n\r\n`);
    client.drip('u'.repeat(2048), 100, 30);
    const received = await closedBy(client, 'a steady upload');
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.ok(received.endsWith('received 61440'), received.slice(-200));
  });
});

describe('--client-body-timeout reaches the workers', () => {
  const manifests = new ManifestDir();
  const outcomes: Outcomes = new Map();
  let backend: Backend;
  let g: Gatehouse;

  before(async () => {
    backend = await bodyBackend('flagged', outcomes);
    manifests.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('default', 'flagged', [backend]),
      ingress('default', 'flagged', [{ paths: [{ path: '/', service: 'flagged' }] }]),
    ]);
    g = await startGatehouse(manifests.dir, { workers: 1, args: ['--client-body-timeout', '1s'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    manifests.cleanup();
  });

  test('a stalled body gets 408 after the flag’s timeout', async () => {
    const client = await rawClient(g.httpPort);
    client.socket.write(`POST /flagged HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
    assert.match(await closedBy(client, 'a stalled body'), /^HTTP\/1\.1 408 /);
    await waitFor('the backend to see its request aborted', () => outcomes.get('/flagged') === 'aborted');
  });
});
