// Upgrades end to end: a real WebSocket client (Node's global WebSocket) through Gatehouse to a
// WebSocket echo backend, over ws:// and wss://; tunnels survive table updates that keep their
// route, idle tunnels are closed, and any other Upgrade protocol is tunnelled too.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import {
  type Backend,
  type Gatehouse,
  get,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from './harness.ts';
import { prefixRoute, startWorker, tableOf } from './worker-harness.ts';
import { type EchoServer, startEchoServer } from './ws-echo.ts';

/** Opens a WebSocket; messages received are queued and taken in order by `next()`. */
async function openSocket(url: string, init?: { dispatcher: Agent }) {
  const ws = new WebSocket(url, init as unknown as string[]);
  ws.binaryType = 'arraybuffer';
  const queue: Array<string | ArrayBuffer> = [];
  ws.addEventListener('message', (event) => queue.push(event.data));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  return {
    ws,
    next: () => waitFor('a WebSocket message', () => queue.shift()),
  };
}

describe('WebSocket through Gatehouse', () => {
  const manifests = new ManifestDir();
  let echo: EchoServer;
  let other: Backend;
  let g: Gatehouse;
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  const base = () => [
    ingressClass(),
    ...serviceFor('chat', 'echo', [echo]),
    ingress('chat', 'echo', [{ paths: [{ path: '/', service: 'echo' }] }]),
  ];

  before(async () => {
    echo = await startEchoServer();
    other = await startBackend('other');
    manifests.write('objects.yaml', base());
    g = await startGatehouse(manifests.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await echo?.close();
    await other?.close();
    await insecure.close();
    manifests.cleanup();
  });

  test('text and binary messages are echoed both ways over ws://', async () => {
    const { ws, next } = await openSocket(`ws://127.0.0.1:${g.httpPort}/chat?room=1`);
    ws.send('hello');
    assert.equal(await next(), 'hello');
    ws.send(new Uint8Array([1, 2, 3, 250]));
    assert.deepEqual([...new Uint8Array((await next()) as ArrayBuffer)], [1, 2, 3, 250]);
    ws.close(1000, 'done');
    const [closed] = (await once(ws, 'close')) as [CloseEvent];
    assert.equal(closed.code, 1000);
    const seen = echo.upgrades.at(-1)!;
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  });

  test('messages are echoed over wss://, TLS terminated by Gatehouse', async () => {
    // Seen failing once in ~15 runs (the handshake answered, but not 101): keep Gatehouse's log.
    const { ws, next } = await openSocket(`wss://127.0.0.1:${g.httpsPort}/secure`, {
      dispatcher: insecure,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\ngatehouse log:\n${g.output().slice(-4000)}`);
    });
    ws.send('over tls');
    assert.equal(await next(), 'over tls');
    assert.equal(echo.upgrades.at(-1)!['x-forwarded-proto'], 'https');
    ws.close();
    await once(ws, 'close');
  });

  test('an open tunnel survives a table update that keeps its route', async () => {
    const { ws, next } = await openSocket(`ws://127.0.0.1:${g.httpPort}/long-lived`);
    ws.send('before');
    assert.equal(await next(), 'before');
    manifests.write('objects.yaml', [
      ...base(),
      ...serviceFor('chat', 'other', [other]),
      ingress('chat', 'other', [{ host: 'other.test', paths: [{ path: '/', service: 'other' }] }]),
    ]);
    await waitFor('the new route', async () => (await get(g, 'other.test', '/')).status === 200);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.send('after');
    assert.equal(await next(), 'after');
    ws.close();
    await once(ws, 'close');
  });

  test('any other Upgrade protocol is tunnelled byte for byte', async () => {
    const socket = netConnect(g.httpPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /raw HTTP/1.1\r\nHost: raw.test\r\nConnection: Upgrade\r\nUpgrade: echo-raw/1\r\n\r\n');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    await waitFor('101 Switching Protocols', () => received.includes('\r\n\r\n'));
    assert.match(received, /^HTTP\/1\.1 101 /);
    assert.match(received, /upgrade: echo-raw\/1/i);
    received = '';
    socket.write(Buffer.from('ping\x00\xff', 'latin1'));
    await waitFor('the echoed bytes', () => received === 'ping\x00\xff');
    socket.destroy();
  });
});

describe('WebSocket idle timeout', () => {
  test("a tunnel idle for longer than the route's idle timeout is closed on both sides", async () => {
    const echo = await startEchoServer();
    const worker = await startWorker(
      tableOf(1, [prefixRoute('idle', '/', 'echo', { timeouts: { idleMs: 300 } })], { echo: echo.port }),
    );
    try {
      const { ws, next } = await openSocket(`ws://127.0.0.1:${worker.httpPort}/idle`);
      ws.send('still there');
      assert.equal(await next(), 'still there');
      const opened = Date.now();
      await once(ws, 'close');
      const idleFor = Date.now() - opened;
      assert.ok(idleFor >= 250, `closed after ${idleFor} ms, before the 300 ms idle timeout`);
      await waitFor('the backend side of the tunnel to close', () => echo.open.size === 0);
    } finally {
      await worker.stop();
      await echo.close();
    }
  });
});

describe('upgrades are shaped and balanced like any request on their route', () => {
  test('hash affinity pins every upgrade of one key to one endpoint, and request-header filters apply', async () => {
    const echoes = [await startEchoServer(), await startEchoServer(), await startEchoServer()];
    const table = tableOf(
      1,
      [
        prefixRoute('pinned', '/', 'echo', {
          filters: [{ type: 'RequestHeaderModifier', set: [{ name: 'x-via', value: 'gatehouse' }] }],
        }),
      ],
      { echo: echoes[0].port },
    );
    table.backends.echo.endpoints = echoes.map((e) => ({ address: '127.0.0.1', port: e.port }));
    table.backends.echo.balancer = { type: 'ConsistentHash', on: 'Header', name: 'x-user' };
    const worker = await startWorker(table);
    const upgrade = async (user: string): Promise<void> => {
      const socket = netConnect(worker.httpPort, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `GET /raw HTTP/1.1\r\nHost: pinned.test\r\nX-User: ${user}\r\nConnection: Upgrade\r\nUpgrade: echo-raw/1\r\n\r\n`,
      );
      let received = '';
      socket.on('data', (d: Buffer) => {
        received += d.toString('latin1');
      });
      await waitFor('101 Switching Protocols', () => received.includes('\r\n\r\n'));
      socket.destroy();
    };
    try {
      for (let i = 0; i < 6; i++) await upgrade('alice');
      const counts = echoes.map((e) => e.upgrades.length);
      assert.deepEqual(
        counts.filter((n) => n > 0),
        [6],
        `upgrades per endpoint: ${counts}`,
      );
      const seen = echoes.flatMap((e) => e.upgrades);
      assert.ok(
        seen.every((h) => h['x-via'] === 'gatehouse'),
        'the route filter set x-via on the handshake',
      );
    } finally {
      await worker.stop();
      for (const e of echoes) await e.close();
    }
  });
});
