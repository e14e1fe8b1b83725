import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { answer } from '../proxy/answers.ts';
import { answerRequest } from '../proxy/grpc.ts';
import { Http2Exchange, http1RawHeaders, interimStatus } from './exchange.ts';

describe('http1RawHeaders', () => {
  const cases: Array<[string, IncomingHttpHeaders, string, string[]]> = [
    [
      ':authority becomes Host and pseudo-headers leave the forwarded list',
      {
        ':method': 'GET',
        ':path': '/a?b=c',
        ':scheme': 'https',
        ':authority': 'shop.example.com',
        accept: 'text/html',
        cookie: 'a=1; b=2',
      },
      'shop.example.com',
      ['accept', 'text/html', 'cookie', 'a=1; b=2', 'host', 'shop.example.com'],
    ],
    [
      'a Host field the client sent is kept; repeated fields stay repeated',
      { ':authority': 'a.test', host: 'b.test', 'x-tag': ['1', '2'] } as IncomingHttpHeaders,
      'b.test',
      ['host', 'b.test', 'x-tag', '1', 'x-tag', '2'],
    ],
    [
      'a request with neither :authority nor Host gets an empty Host, which is refused later',
      { ':method': 'GET', ':path': '/', ':scheme': 'https' },
      '',
      ['host', ''],
    ],
  ];
  for (const [rule, headers, host, raw] of cases) {
    test(rule, () => {
      const copy = { ...headers };
      assert.deepEqual(http1RawHeaders(copy), raw);
      assert.equal(copy.host, host);
    });
  }
});

test('CONNECT answers 405, an Expect other than 100-continue 417, 100-continue gets 100 first', () => {
  const cases: Array<[IncomingHttpHeaders, number]> = [
    [{ ':method': 'GET', ':path': '/' }, 0],
    [{ ':method': 'CONNECT', ':authority': 'a.test:443' }, 405],
    [{ ':method': 'POST', ':path': '/', expect: '100-continue' }, 100],
    [{ ':method': 'POST', ':path': '/', expect: '100-Continue' }, 100],
    [{ ':method': 'POST', ':path': '/', expect: 'something-else' }, 417],
  ];
  for (const [headers, status] of cases)
    assert.equal(interimStatus(headers), status, JSON.stringify(headers));
});

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  trailers: IncomingHttpHeaders | undefined;
  rstCode: number | undefined;
}

/** Reads a whole response, trailers and reset code included. */
async function receive(stream: ClientHttp2Stream): Promise<Received> {
  let trailers: IncomingHttpHeaders | undefined;
  stream.on('trailers', (t: IncomingHttpHeaders) => {
    trailers = t;
  });
  stream.on('error', () => {});
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise((resolve) => stream.on('close', resolve));
  const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  await closed;
  return { headers, body: Buffer.concat(chunks), trailers, rstCode: stream.rstCode };
}

describe('Http2Exchange on a real HTTP/2 stream', () => {
  let server: Http2Server;
  let session: ClientHttp2Session;
  /** What the server does with the next stream. */
  let serve: (exchange: Http2Exchange) => void = () => {};

  before(async () => {
    server = createServer();
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) =>
      serve(new Http2Exchange(stream, headers)),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await once(session, 'remoteSettings');
  });

  after(async () => {
    session.destroy();
    server.close();
    await once(server, 'close');
  });

  function request(headers: OutgoingHttpHeaders, body?: Buffer | string): ClientHttp2Stream {
    const stream = session.request({ ':path': '/x', ':authority': 'shop.test', ...headers });
    stream.end(body);
    return stream;
  }

  /** The next stream's exchange, once the server got it. */
  function nextExchange(): Promise<Http2Exchange> {
    return new Promise((resolve) => {
      serve = resolve;
    });
  }

  test('the request reads as HTTP/1: method, target, Host from :authority, version 2.0', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET', ':path': '/cart?id=7', accept: 'text/plain' });
    const exchange = await served;
    assert.equal(exchange.method, 'GET');
    assert.equal(exchange.url, '/cart?id=7');
    assert.equal(exchange.headers.host, 'shop.test');
    assert.equal(exchange.httpVersion, '2.0');
    assert.equal(exchange.httpVersionMajor, 2);
    assert.equal(exchange.req, exchange);
    assert.ok(exchange.rawHeaders.includes('accept'));
    assert.ok(!exchange.rawHeaders.some((name) => name.startsWith(':')));
    exchange.end();
    assert.equal((await receive(client)).headers[':status'], 200);
  });

  test("the proxy's own answer: status, server header, declared length and body; HEAD gets the head alone", async () => {
    for (const method of ['GET', 'HEAD']) {
      const served = nextExchange();
      const client = request({ ':method': method });
      const exchange = await served;
      answer(exchange as unknown as ServerResponse, 404);
      const got = await receive(client);
      assert.equal(got.headers[':status'], 404, method);
      assert.equal(got.headers.server, 'gatehouse', method);
      assert.equal(got.headers['content-length'], '14', method);
      assert.equal(got.body.toString(), method === 'HEAD' ? '' : '404 Not Found\n');
      assert.equal(got.rstCode, constants.NGHTTP2_NO_ERROR);
      // The declared length is what metrics count for HTTP/2 (metrics/bytes.ts).
      assert.equal(Number(exchange.getHeader('content-length')), 14);
    }
  });

  test('a gRPC request gets its own answers Trailers-Only: grpc-status in the one header block, no body', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' });
    answerRequest((await served) as unknown as ServerResponse, 503);
    const got = await receive(client);
    assert.equal(got.headers[':status'], 200);
    assert.equal(got.headers['grpc-status'], '14');
    assert.equal(got.headers['grpc-message'], 'gatehouse: 503 Service Unavailable');
    assert.equal(got.body.length, 0);
    assert.equal(got.trailers, undefined);
  });

  test('trailers added after a streamed body reach the client', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET' });
    const exchange = await served;
    exchange.writeHead(200, { 'content-type': 'text/plain' });
    exchange.write('streamed');
    exchange.addTrailers({ 'x-checksum': 'abc123' });
    exchange.end();
    const got = await receive(client);
    assert.equal(got.body.toString(), 'streamed');
    assert.equal(got.trailers?.['x-checksum'], 'abc123');
  });

  test('a declared-length response carries trailers to a client that sent te: trailers, and only to it', async () => {
    for (const te of [true, false]) {
      const served = nextExchange();
      const client = request({ ':method': 'GET', ...(te ? { te: 'trailers' } : {}) });
      const exchange = await served;
      exchange.writeHead(200, { 'content-length': '2' });
      exchange.addTrailers({ 'x-checksum': 'abc123' });
      exchange.end('ok');
      const got = await receive(client);
      assert.equal(got.body.toString(), 'ok');
      assert.equal(got.trailers?.['x-checksum'], te ? 'abc123' : undefined, `te: ${te}`);
    }
  });

  test('hop-by-hop fields in a head (a route filter may set them) are dropped, not a failed response', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET' });
    const exchange = await served;
    exchange.writeHead(200, { connection: 'close', 'keep-alive': 'timeout=5', 'content-length': '2' });
    exchange.end('ok');
    const got = await receive(client);
    assert.equal(got.headers[':status'], 200);
    assert.equal(got.headers.connection, undefined);
    assert.equal(got.body.toString(), 'ok');
  });

  test('a HEAD response, ended by its head, ignores a payload written after it', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'HEAD' });
    const exchange = await served;
    exchange.writeHead(200, { 'content-length': '5' });
    assert.equal(exchange.write('hello'), true);
    exchange.end();
    const got = await receive(client);
    assert.equal(got.headers['content-length'], '5');
    assert.equal(got.body.length, 0);
    assert.equal(got.rstCode, constants.NGHTTP2_NO_ERROR);
  });

  test("write() reports a full window, and 'drain' calls the listener back with the exchange as this", async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET' });
    client.pause();
    const exchange = await served;
    exchange.writeHead(200, {});
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    while (exchange.write(chunk)) written += chunk.length;
    written += chunk.length;
    const drained = new Promise<unknown>((resolve) => {
      exchange.once('drain', function (this: Http2Exchange) {
        resolve(this);
      });
    });
    const got = receive(client);
    client.resume();
    assert.equal(await drained, exchange);
    exchange.end();
    assert.equal((await got).body.length, written);
  });

  test('a client reset mid-response calls the close listener with the exchange as this; its error stays in', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET' });
    client.on('error', () => {});
    const exchange = await served;
    const closed = new Promise<unknown>((resolve) => {
      exchange.on('close', function (this: Http2Exchange) {
        resolve(this);
      });
    });
    exchange.writeHead(200, {});
    exchange.write('partial');
    await once(client, 'data');
    // INTERNAL_ERROR makes Node emit 'error' on the server's stream: unheard, it would crash this process.
    client.close(constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal(await closed, exchange);
    assert.equal(exchange.destroyed, true);
  });

  test('destroy() resets a response already started with INTERNAL_ERROR, not a clean end', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET' });
    const exchange = await served;
    exchange.writeHead(200, {});
    exchange.write('half of it');
    const got = receive(client);
    await once(client, 'data');
    exchange.destroy();
    assert.equal((await got).rstCode, constants.NGHTTP2_INTERNAL_ERROR);
  });

  test('the request body reads from the stream; destroying it once read, as undici does, keeps the response', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'POST' }, 'a body in one piece');
    const exchange = await served;
    const body = exchange.requestBody() as IncomingMessage;
    let text = '';
    for await (const chunk of body.iterator({ destroyOnReturn: false })) text += chunk;
    assert.equal(text, 'a body in one piece');
    assert.equal(body.complete, true);
    assert.equal(exchange.readableDidRead, true);
    body.destroy();
    exchange.writeHead(200, { 'content-length': String(text.length) });
    exchange.end(text);
    const got = await receive(client);
    assert.equal(got.body.toString(), 'a body in one piece');
    assert.equal(got.rstCode, constants.NGHTTP2_NO_ERROR);
  });

  test('a body dropped before the client finished: the rest is read and dropped, the response completes, the stream closes', async () => {
    const served = nextExchange();
    const client = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'shop.test' });
    const chunk = Buffer.alloc(100 * 1024, 'y');
    client.write(chunk);
    const exchange = await served;
    const serverClosed = new Promise<void>((resolve) => exchange.on('close', () => resolve()));
    const body = exchange.requestBody();
    // Start reading, consume nothing: the body fills up and pauses the stream, as a slow upstream would.
    const paused = once(exchange.stream, 'pause');
    body.read(0);
    await paused;
    // An upstream that failed early: undici destroys the body and the proxy answers at once.
    body.destroy();
    answer(exchange as unknown as ServerResponse, 502);
    const got = receive(client);
    client.write(chunk);
    client.end(chunk);
    const received = await got;
    assert.equal(received.headers[':status'], 502);
    assert.equal(received.rstCode, constants.NGHTTP2_NO_ERROR);
    // A stream left paused would hold its buffered upload and never close.
    await serverClosed;
  });

  test('a body not read yet when the connection is lost closes unfinished: no reader waits forever', async () => {
    const served = nextExchange();
    const own = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    own.on('error', () => {});
    const client = own.request({ ':method': 'POST', ':path': '/upload', ':authority': 'shop.test' });
    client.on('error', () => {});
    client.write('the first half');
    const exchange = await served;
    // As while undici still connects upstream: the body exists, nobody reads it yet.
    const body = exchange.requestBody() as IncomingMessage;
    own.socket.destroy();
    await once(body, 'close');
    assert.equal(body.complete, false);
    assert.equal(body.readableEnded, false);
  });

  test('only the listeners handler.ts adds are taken: one close, and drain', async () => {
    const served = nextExchange();
    const client = request({ ':method': 'GET' });
    const exchange = await served;
    assert.throws(() => exchange.on('data', () => {}), /one 'close' listener/);
    exchange.on('close', () => {});
    assert.throws(() => exchange.on('close', () => {}), /one 'close' listener/);
    assert.throws(() => exchange.once('finish', () => {}), /'drain' listener only/);
    exchange.end();
    await receive(client);
  });
});
