import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { connect, createServer as createH2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { answerRequest, forwardsTeTrailers, grpcStatusFor, isGrpc } from './grpc.ts';

describe("the proxy's own answers to gRPC requests", () => {
  const mapping: Array<[number, number, string]> = [
    [404, 12, 'UNIMPLEMENTED'],
    [502, 14, 'UNAVAILABLE'],
    [503, 14, 'UNAVAILABLE'],
    [504, 14, 'UNAVAILABLE'],
    [429, 14, 'UNAVAILABLE'],
    [400, 13, 'INTERNAL'],
    [413, 8, 'RESOURCE_EXHAUSTED'],
    [500, 2, 'UNKNOWN'],
  ];
  for (const [http, grpc, name] of mapping) {
    it(`HTTP ${http} becomes ${name} (${grpc})`, () => assert.equal(grpcStatusFor(http), grpc));
  }

  it('gRPC is recognised by content-type application/grpc, +proto, -web; not by anything else', () => {
    for (const type of [
      'application/grpc',
      'application/grpc+proto',
      'Application/GRPC',
      'application/grpc-web+proto',
    ])
      assert.equal(isGrpc({ 'content-type': type }), true, type);
    for (const type of [undefined, 'application/json', 'text/html', 'application/grp'])
      assert.equal(isGrpc({ 'content-type': type }), false, String(type));
  });

  it('over HTTP/2: one HEADERS frame with END_STREAM, status 200, grpc-status and a percent-encoded message', async () => {
    const server = createH2Server((req, res) =>
      answerRequest(res as unknown as ServerResponse, Number(req.url.slice(1))),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const stream = client.request({ ':path': '/503', 'content-type': 'application/grpc' });
    stream.end();
    const [headers, flags] = (await once(stream, 'response')) as [Record<string, string | number>, number];
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-type'], 'application/grpc');
    assert.equal(headers['grpc-status'], '14');
    assert.equal(headers['grpc-message'], 'gatehouse: 503 Service Unavailable');
    assert.equal(flags & 1, 1, 'END_STREAM on the headers: a Trailers-Only response');
    client.close();
    server.close();
  });

  it('a request that is not gRPC gets the plain page', async () => {
    const server = createServer((_req: IncomingMessage, res: ServerResponse) => answerRequest(res, 502));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const res = await new Promise<IncomingMessage>((resolve) =>
      request({ port, host: '127.0.0.1' }, resolve).end(),
    );
    assert.equal(res.statusCode, 502);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    res.resume();
    server.close();
  });
});

describe('te: trailers towards HTTP/2 upstreams', () => {
  const cases: Array<[te: string | undefined, protocol: 'HTTP' | 'H2C' | 'H2', sent: boolean]> = [
    ['trailers', 'H2C', true],
    ['gzip, trailers', 'H2', true],
    ['trailers', 'HTTP', false],
    ['gzip', 'H2C', false],
    [undefined, 'H2C', false],
  ];
  for (const [te, protocol, sent] of cases) {
    it(`te: ${te} to ${protocol} is ${sent ? '' : 'not '}sent on`, () =>
      assert.equal(forwardsTeTrailers(te, protocol), sent));
  }
});
