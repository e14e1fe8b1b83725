// HTTP/2 streams through the TLS listener, end to end: bodies larger than every flow-control window
// relayed whole at the pace of the slower side, a client's reset stopping the upstream request,
// the answers given before routing (CONNECT, Expect), and HTTP/2 exchanges in the metrics.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { after, before, describe, test } from 'node:test';
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
} from './harness.ts';

const HOST = 'h2.test';
const BIG = 4 * 1024 * 1024;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a body slowly: a pause after every chunk, so the sender meets backpressure. */
function readSlowly(source: IncomingMessage | ClientHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  source.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    source.pause();
    setTimeout(() => source.resume(), 1);
  });
  return new Promise((resolve, reject) => {
    source.on('end', () => resolve(Buffer.concat(chunks)));
    source.on('error', reject);
  });
}

interface Response {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('HTTP/2 streams through Gatehouse', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;
  let session: ClientHttp2Session;
  /** Upstream requests that ended before their response did (the client went away). */
  const abandoned: string[] = [];
  /** Bytes the upstream has read of each /hold request so far. */
  const held = new Map<string, number>();

  before(async () => {
    backend = await startBackend('app', (req, res) => {
      const url = req.url ?? '';
      res.on('close', () => {
        if (!res.writableFinished) abandoned.push(url);
      });
      if (url.startsWith('/upload')) {
        void readSlowly(req).then((body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ bytes: body.length, sha256: sha256(body) }));
        });
      } else if (url.startsWith('/download')) {
        const body = randomBytes(BIG);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-sha256': sha256(body) });
        res.end(body);
      } else if (url.startsWith('/endless')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const tick = setInterval(() => res.write('tick\n'), 20);
        res.on('close', () => clearInterval(tick));
      } else if (url.startsWith('/hold')) {
        req.on('data', (chunk: Buffer) => held.set(url, (held.get(url) ?? 0) + chunk.length));
      } else {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
        res.end('ok\n');
      }
    });
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('team', 'app', [backend]),
      ingress('team', 'h2', [{ host: HOST, paths: [{ path: '/', service: 'app' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
    session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: HOST,
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    await once(session, 'remoteSettings');
  });

  after(async () => {
    session?.destroy();
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });

  function open(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    const stream = session.request({ ':authority': HOST, ...headers });
    stream.on('error', () => {});
    return stream;
  }

  async function exchange(headers: OutgoingHttpHeaders, body?: Buffer): Promise<Response> {
    const stream = open(headers);
    stream.end(body);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    await once(stream, 'end');
    return { headers: head, body: Buffer.concat(chunks) };
  }

  test('a 4 MiB upload, with or without a declared length, reaches a slow upstream whole', async () => {
    for (const declared of [true, false]) {
      const body = randomBytes(BIG);
      const stream = open({
        ':method': 'POST',
        ':path': `/upload?declared=${declared}`,
        ...(declared ? { 'content-length': String(body.length) } : {}),
      });
      // Written in pieces, each after the previous one left: the client meets the windows too.
      for (let i = 0; i < body.length; i += 256 * 1024) {
        if (!stream.write(body.subarray(i, i + 256 * 1024))) await once(stream, 'drain');
      }
      stream.end();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
      await once(stream, 'end');
      assert.equal(head[':status'], 200, `declared ${declared}`);
      assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), {
        bytes: body.length,
        sha256: sha256(body),
      });
    }
  });

  test('a 4 MiB download reaches a slow client whole', async () => {
    const stream = open({ ':path': '/download' });
    stream.end();
    const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    const body = await readSlowly(stream);
    assert.equal(head[':status'], 200);
    assert.equal(body.length, BIG);
    assert.equal(sha256(body), head['x-sha256']);
  });

  test('a client that resets its stream mid-response stops the upstream request; the worker goes on', async () => {
    const pids = g.workerPids();
    // CANCEL is a plain abort; INTERNAL_ERROR also raises an error on the worker's stream.
    for (const code of [constants.NGHTTP2_CANCEL, constants.NGHTTP2_INTERNAL_ERROR]) {
      const path = `/endless?code=${code}`;
      const stream = open({ ':path': path });
      stream.end();
      await once(stream, 'data');
      stream.close(code);
      await waitFor(`the upstream request ${path} to be abandoned`, () => abandoned.includes(path));
    }
    assert.equal((await exchange({ ':path': '/after-reset' })).headers[':status'], 200);
    assert.deepEqual(g.workerPids(), pids, 'no worker restarted');
  });

  test('a client that resets its stream mid-upload stops the upstream request', async () => {
    const path = '/hold?upload=reset';
    const stream = open({ ':method': 'POST', ':path': path });
    stream.write(randomBytes(1024));
    await waitFor('the upstream to read the first bytes', () => (held.get(path) ?? 0) > 0);
    stream.close(constants.NGHTTP2_CANCEL);
    await waitFor(`the upstream request ${path} to be abandoned`, () => abandoned.includes(path));
  });

  test('CONNECT answers 405 and an unknown expectation 417, before any routing', async () => {
    const connectTunnel = await exchange({ ':method': 'CONNECT', ':authority': 'h2.test:443' });
    assert.equal(connectTunnel.headers[':status'], 405);
    assert.equal(connectTunnel.headers.server, 'gatehouse');
    const expectation = await exchange({ ':path': '/expect', expect: 'something-else' });
    assert.equal(expectation.headers[':status'], 417);
    assert.equal(expectation.headers.server, 'gatehouse');
    assert.ok(!backend.seen.some((r) => r.url === '/expect'), 'the backend never saw it');
  });

  test('HTTP/2 exchanges are counted by route and status, with their declared lengths', async () => {
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${g.adminPort}/metrics`);
      return parseExposition(await res.text()).samples;
    };
    const app = { namespace: 'team', ingress: 'h2', service: 'app' };
    const before = await scrape();
    const count = (samples: typeof before, name: string, labels: Record<string, string>) =>
      sampleValue(samples, name, labels) ?? 0;
    const fresh = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: HOST,
      rejectUnauthorized: false,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const stream = fresh.request({ ':authority': HOST, ':path': `/counted/${i}` });
        stream.end();
        stream.resume();
        await once(stream, 'end');
      }
      const posted = fresh.request({
        ':authority': HOST,
        ':method': 'POST',
        ':path': '/counted/post',
        'content-length': '5',
      });
      posted.end('hello');
      posted.resume();
      await once(posted, 'end');
    } finally {
      fresh.close();
    }
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      count(after, name, labels) - count(before, name, labels);
    assert.equal(delta('gatehouse_requests_total', { ...app, method: 'GET', status: '2xx' }), 3);
    assert.equal(delta('gatehouse_requests_total', { ...app, method: 'POST', status: '2xx' }), 1);
    assert.equal(delta('gatehouse_response_size_bytes_total', app), 4 * 3);
    assert.equal(delta('gatehouse_request_size_bytes_total', app), 5);
    assert.equal(delta('gatehouse_connections_total', { listener: 'https', protocol: 'h2' }), 1);
  });
});
