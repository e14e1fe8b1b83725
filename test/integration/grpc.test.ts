// gRPC through the TLS listener (HTTP/2 by ALPN) to h2c and h2-over-TLS upstreams, with a real
// gRPC implementation (@grpc/grpc-js) on both ends: unary and bidirectional streaming calls,
// trailers and statuses passed through, and the proxy's own failures answered as gRPC statuses.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createH2cServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import type { RouteTable, Backend as TableBackend } from '../../dataplane/src/table/types.ts';
import { makeTestCerts, type TestCerts } from '../../dataplane/src/upstream/test-certs.ts';
import { freePort } from './harness.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';

const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const echoService: ServiceDefinition = {
  unary: {
    path: '/test.Echo/Unary',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
  chat: {
    path: '/test.Echo/Chat',
    requestStream: true,
    responseStream: true,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
};
const EchoClient = makeGenericClientConstructor(echoService, 'Echo');

/** A gRPC backend: Unary echoes (or fails with NOT_FOUND on "missing"); Chat answers each message. */
async function startGrpcBackend(name: string, tls?: TestCerts): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(echoService, {
    unary: (
      call: { request: Buffer; metadata: Metadata },
      callback: (e: Partial<ServiceError> | null, v?: Buffer, trailer?: Metadata) => void,
    ) => {
      if (call.request.toString() === 'missing') {
        callback({ code: status.NOT_FOUND, details: 'no such thing' });
        return;
      }
      const trailer = new Metadata();
      trailer.set('x-served-by', name);
      callback(null, Buffer.from(`${name}:${call.request}`), trailer);
    },
    chat: (call: {
      on(e: string, f: (d?: Buffer) => void): void;
      write(b: Buffer): void;
      end(m?: Metadata): void;
    }) => {
      let n = 0;
      call.on('data', (d) => call.write(Buffer.from(`${name}#${++n}:${d}`)));
      call.on('end', () => {
        const trailer = new Metadata();
        trailer.set('x-messages', String(n));
        call.end(trailer);
      });
    },
  });
  const creds = tls
    ? ServerCredentials.createSsl(null, [
        { private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) },
      ])
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server, port };
}

type Unary = (
  req: Buffer,
  cb: (e: ServiceError | null, v?: Buffer) => void,
) => {
  on(e: 'status', f: (s: { code: number; metadata: Metadata }) => void): void;
};

function unary(
  client: Client,
  message: string,
): Promise<{ reply?: string; error?: ServiceError; trailer?: Metadata }> {
  return new Promise((resolve) => {
    let result: { reply?: string; error?: ServiceError } = {};
    let trailer: Metadata | undefined;
    let pending = 2;
    const done = (): void => {
      if (--pending === 0) resolve({ ...result, trailer });
    };
    const call = (client as unknown as { unary: Unary }).unary(Buffer.from(message), (error, value) => {
      result = error ? { error } : { reply: value?.toString() };
      done();
    });
    call.on('status', (s) => {
      trailer = s.metadata;
      done();
    });
  });
}

describe('gRPC through the TLS listener', () => {
  let certs: TestCerts;
  let w: TableWorker;
  let h2c: { server: Server; port: number };
  let h2: { server: Server; port: number };
  let client: Client;

  function table(backend: TableBackend): RouteTable {
    const t = oneRouteTable(backend, {}, 'grpc.test');
    t.hosts[0].tls = { certificate: 'grpc', redirect: false };
    t.certificates = { grpc: { certPem: certs.certPem, keyPem: certs.keyPem, source: 'test' } };
    return t;
  }

  before(async () => {
    certs = makeTestCerts('grpc.test');
    h2c = await startGrpcBackend('h2c');
    h2 = await startGrpcBackend('h2', certs);
    w = await startTableWorker(table(localBackend([h2c.port], { protocol: 'H2C' })));
    client = new EchoClient(`127.0.0.1:${w.httpsPort}`, credentials.createSsl(Buffer.from(certs.caPem)), {
      'grpc.ssl_target_name_override': 'grpc.test',
      'grpc.default_authority': 'grpc.test',
    });
  });

  after(async () => {
    client?.close();
    await w?.stop();
    h2c?.server.forceShutdown();
    h2?.server.forceShutdown();
  });

  it('a unary call reaches an h2c upstream; reply, status OK and trailers come back', async () => {
    const r = await unary(client, 'hello');
    assert.equal(r.error, undefined);
    assert.equal(r.reply, 'h2c:hello');
    assert.deepEqual(r.trailer?.get('x-served-by'), ['h2c']);
  });

  it('a bidirectional stream is relayed message by message, both ways, with trailers at the end', async () => {
    const call = (
      client as unknown as { chat(): NodeJS.EventEmitter & { write(b: Buffer): void; end(): void } }
    ).chat();
    const replies: string[] = [];
    let onReply: ((s: string) => void) | undefined;
    call.on('data', (d: Buffer) => {
      replies.push(d.toString());
      onReply?.(d.toString());
    });
    const finished = new Promise<{ code: number; metadata: Metadata }>((resolve) =>
      call.on('status', resolve),
    );
    // Each message is sent only after the previous reply arrived: nothing may wait for the stream's end.
    for (const m of ['a', 'b', 'c']) {
      const next = new Promise<string>((resolve) => {
        onReply = resolve;
      });
      call.write(Buffer.from(m));
      assert.match(await next, new RegExp(`:${m}$`));
    }
    call.end();
    const s = await finished;
    assert.equal(s.code, status.OK);
    assert.deepEqual(replies, ['h2c#1:a', 'h2c#2:b', 'h2c#3:c']);
    assert.deepEqual(s.metadata.get('x-messages'), ['3']);
  });

  it('an error status of the upstream passes through unchanged', async () => {
    const r = await unary(client, 'missing');
    assert.equal(r.error?.code, status.NOT_FOUND);
    assert.equal(r.error?.details, 'no such thing');
  });

  it('an h2 upstream over TLS (verified against its CA) serves the same calls', async () => {
    await w.apply(
      table(
        localBackend([h2.port], {
          protocol: 'H2',
          tls: { serverName: 'grpc.test', caPem: certs.caPem, verify: true },
        }),
      ),
    );
    assert.equal((await unary(client, 'over tls')).reply, 'h2:over tls');
  });

  it("the proxy's own failures are gRPC statuses: no endpoint and a dead endpoint → UNAVAILABLE", async () => {
    await w.apply(table(localBackend([], { protocol: 'H2C' })));
    const none = await unary(client, 'x');
    assert.equal(none.error?.code, status.UNAVAILABLE);
    assert.match(none.error?.details ?? '', /gatehouse: 503/);
    await w.apply(table(localBackend([await freePort()], { protocol: 'H2C' })));
    const dead = await unary(client, 'x');
    assert.equal(dead.error?.code, status.UNAVAILABLE);
    assert.match(dead.error?.details ?? '', /gatehouse: 502/);
  });

  it('te: trailers, hop-by-hop, is still sent to the HTTP/2 upstream (gRPC servers may require it)', async () => {
    let te: string | string[] | undefined;
    const raw = createH2cServer((req, res) => {
      te = req.headers.te;
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.addTrailers({ 'grpc-status': '0' });
      res.end(Buffer.from([0, 0, 0, 0, 2, 0x6f, 0x6b]));
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    try {
      await w.apply(table(localBackend([(raw.address() as AddressInfo).port], { protocol: 'H2C' })));
      assert.equal((await unary(client, 'x')).reply, 'ok');
      assert.equal(te, 'trailers');
    } finally {
      raw.close();
    }
  });

  it('a gRPC call to a path no route matches is UNIMPLEMENTED', async () => {
    const t = table(localBackend([h2c.port], { protocol: 'H2C' }));
    t.hosts[0].routes[0].match = { path: { type: 'Prefix', value: '/other.Service' } };
    await w.apply(t);
    const r = await unary(client, 'x');
    assert.equal(r.error?.code, status.UNIMPLEMENTED);
  });
});
