// RequestMirror through a real worker: each request also reaches the mirror backend, shaped as the
// request sent upstream (path after rewrite, forwarding headers, Via, body), while the client's
// response comes from the main backend alone and never waits on the mirror: one that never
// answers, is down, or reads the body slower than the client sends it changes nothing the client sees.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { RequestMirrorFilter, RouteTable } from '../../dataplane/src/table/types.ts';
import { freePort, waitFor } from './harness.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A backend that reads each request's body whole, records it, and answers with its name. */
async function recordingBackend(name: string): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res.writeHead(200, { 'x-backend': name });
    res.end(`from ${name}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, seen };
}

/** A TCP server that accepts connections and never reads from or writes to them. */
async function silentServer(): Promise<{ server: TcpServer; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    socket.pause();
    sockets.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, sockets };
}

function mirroredTable(
  mainPort: number,
  mirrorPort: number,
  mirror: RequestMirrorFilter = { type: 'RequestMirror', backend: 'm' },
): RouteTable {
  const table = oneRouteTable(localBackend([mainPort]), {
    match: { path: { type: 'Prefix', value: '/api' } },
    filters: [{ type: 'URLRewrite', path: { type: 'ReplacePrefixMatch', value: '/v2' } }, mirror],
  });
  table.backends.m = localBackend([mirrorPort], { service: 'shadow' });
  return table;
}

describe('request mirroring through a worker', () => {
  let w: TableWorker;
  let main: Awaited<ReturnType<typeof recordingBackend>>;
  let mirror: Awaited<ReturnType<typeof recordingBackend>>;
  let silent: Awaited<ReturnType<typeof silentServer>>;

  before(async () => {
    main = await recordingBackend('main');
    mirror = await recordingBackend('mirror');
    silent = await silentServer();
    w = await startTableWorker(mirroredTable(main.port, mirror.port));
  });

  after(async () => {
    await w?.stop();
    for (const s of silent?.sockets ?? []) s.destroy();
    for (const s of [main?.server, mirror?.server, silent?.server]) s?.close();
    main?.server.closeAllConnections();
    mirror?.server.closeAllConnections();
  });

  async function send(
    method: string,
    path: string,
    body?: string | Buffer,
  ): Promise<{ status: number; backend: string; text: string }> {
    const res = await request(w.url(path), {
      method: method as 'GET',
      headers: { host: 'app.test', 'x-custom': 'kept' },
      body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, backend: String(res.headers['x-backend']), text };
  }

  it('a GET reaches both backends with the same rewritten path and headers; the client gets the main answer', async () => {
    main.seen.length = 0;
    mirror.seen.length = 0;
    const r = await send('GET', '/api/items?q=1');
    assert.deepEqual([r.status, r.backend, r.text], [200, 'main', 'from main']);
    await waitFor('the mirror to see the copy', () => mirror.seen.length === 1);
    const [m] = mirror.seen;
    const [o] = main.seen;
    assert.equal(m.method, 'GET');
    assert.equal(m.url, '/v2/items?q=1');
    assert.equal(m.url, o.url);
    for (const name of ['host', 'x-custom', 'x-forwarded-for', 'x-forwarded-proto', 'x-request-id', 'via']) {
      assert.equal(m.headers[name], o.headers[name], name);
    }
    assert.equal(m.headers.host, 'app.test');
    assert.match(String(m.headers.via), /gatehouse-/);
  });

  it('a POST body reaches both backends whole', async () => {
    main.seen.length = 0;
    mirror.seen.length = 0;
    const payload = 'x'.repeat(200_000);
    const r = await send('POST', '/api/upload', payload);
    assert.deepEqual([r.status, r.backend], [200, 'main']);
    await waitFor('the mirror to see the copy', () => mirror.seen.length === 1);
    assert.equal(main.seen[0].body, payload);
    assert.equal(mirror.seen[0].method, 'POST');
    assert.equal(mirror.seen[0].url, '/v2/upload');
    assert.equal(mirror.seen[0].body, payload);
  });

  it('a hostname sets the copy’s Host, and body: false sends the copy without the body', async () => {
    await w.apply(
      mirroredTable(main.port, mirror.port, {
        type: 'RequestMirror',
        backend: 'm',
        body: false,
        hostname: 'shadow.test',
      }),
    );
    main.seen.length = 0;
    mirror.seen.length = 0;
    const r = await send('POST', '/api/form', 'a=1&b=2');
    assert.deepEqual([r.status, r.backend], [200, 'main']);
    await waitFor('the mirror to see the copy', () => mirror.seen.length === 1);
    assert.equal(main.seen[0].body, 'a=1&b=2');
    assert.equal(main.seen[0].headers.host, 'app.test');
    assert.equal(mirror.seen[0].headers.host, 'shadow.test');
    assert.equal(mirror.seen[0].body, '');
    await w.apply(mirroredTable(main.port, mirror.port));
  });

  it('a mirror that never answers changes nothing the client sees', async () => {
    await w.apply(mirroredTable(main.port, silent.port));
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', 'some body'],
    ] as const) {
      const r = await send(method, '/api/x', body);
      assert.deepEqual([r.status, r.backend, r.text], [200, 'main', 'from main']);
    }
  });

  it('a mirror that is down changes nothing the client sees, and its failures are counted', async () => {
    const down = await freePort();
    await w.apply(mirroredTable(main.port, down));
    const before = await w.metric('gatehouse_mirror_requests_total', { service: 'shadow', outcome: 'error' });
    for (let i = 0; i < 3; i++) {
      const r = await send('POST', '/api/x', 'body');
      assert.deepEqual([r.status, r.backend], [200, 'main']);
    }
    await waitFor('the failures to be counted', async () => {
      const n = await w.metric('gatehouse_mirror_requests_total', { service: 'shadow', outcome: 'error' });
      return n - before >= 3;
    });
  });

  it('a mirror that falls more than its body bound behind is aborted; the main exchange completes', async () => {
    await w.apply(mirroredTable(main.port, silent.port));
    main.seen.length = 0;
    // Past the copy's 1 MiB bound and whatever the kernel's socket buffers take in on loopback.
    const payload = Buffer.alloc(32 * 1024 * 1024, 'y');
    const r = await send('POST', '/api/big', payload);
    assert.deepEqual([r.status, r.backend], [200, 'main']);
    assert.equal(main.seen[0].body.length, payload.length);
    await waitFor('the copy to be aborted and counted', async () => {
      const n = await w.metric('gatehouse_mirror_requests_total', { service: 'shadow', outcome: 'overflow' });
      return n >= 1;
    });
  });
});
