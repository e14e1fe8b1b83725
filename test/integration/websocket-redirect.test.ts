// Upgrades meet the HTTP→HTTPS redirect like any request (issue #14, as ingress-nginx does): a
// WebSocket handshake on the plain port to a host listed under an Ingress's tls gets the 308 and
// is never tunnelled, the same handshake over wss:// is, and a host without TLS still tunnels.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
import { parseExposition, sum } from '../metrics/exposition.ts';
import {
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startGatehouse,
  waitFor,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';
import { type EchoServer, startEchoServer } from './ws-echo.ts';

/** Every name resolves to 127.0.0.1, so a client sends the real host as Host and SNI. */
function loopback(
  _hostname: string,
  options: { all?: boolean },
  callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
): void {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}

/** Requests counted with a 3xx status, over every worker, as the admin port reports them. */
async function redirectsCounted(g: Gatehouse): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${g.adminPort}/metrics`);
  const { samples } = parseExposition(await res.text());
  return sum(samples, 'gatehouse_requests_total', { status: '3xx' });
}

/** Opens a WebSocket; messages received are queued and taken in order by `next()`. */
async function openSocket(url: string, dispatcher: Agent) {
  const ws = new WebSocket(url, { dispatcher } as unknown as string[]);
  const queue: Array<string | ArrayBuffer> = [];
  ws.addEventListener('message', (event) => queue.push(event.data));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  return { ws, next: () => waitFor('a WebSocket message', () => queue.shift()) };
}

/** Sends a WebSocket handshake on a raw connection; resolves with what the server answered. */
async function rawHandshake(port: number, host: string, path: string, probe: string): Promise<string> {
  const socket = netConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Probe: ${probe}\r\n\r\n`,
  );
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  await waitFor('the answer head', () => received.includes('\r\n\r\n') || socket.readableEnded);
  // A tunnel stays open; any other answer must end the connection (the handshake is not reused).
  if (!received.startsWith('HTTP/1.1 101 '))
    await waitFor('the server to close the connection', () => socket.readableEnded);
  socket.destroy();
  return received;
}

describe('WebSocket handshakes and the HTTP→HTTPS redirect', () => {
  const manifests = new ManifestDir();
  const certificate = selfSignedCertificate({ dnsNames: ['secure.test'] });
  const agent = new Agent({ connect: { rejectUnauthorized: false, lookup: loopback } });
  let echo: EchoServer;
  let g: Gatehouse;

  before(async () => {
    echo = await startEchoServer();
    const secured = ingress('chat', 'secured', [
      { host: 'secure.test', paths: [{ path: '/', service: 'echo' }] },
    ]);
    (secured as { spec: Record<string, unknown> }).spec.tls = [
      { hosts: ['secure.test'], secretName: 'secure-tls' },
    ];
    manifests.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('chat', 'echo', [echo]),
      tlsSecret('chat', 'secure-tls', certificate),
      secured,
      ingress('chat', 'open', [{ host: 'plain.test', paths: [{ path: '/', service: 'echo' }] }]),
    ]);
    g = await startGatehouse(manifests.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await echo?.close();
    await agent.close();
    manifests.cleanup();
  });

  test('a handshake on the plain port to a TLS host gets 308 to https and never reaches the backend', async () => {
    const probe = randomUUID();
    const countedBefore = await redirectsCounted(g);
    const raw = await rawHandshake(g.httpPort, `secure.test:${g.httpPort}`, '/chat/../room?id=1', probe);
    const [statusLine, ...lines] = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
    assert.equal(statusLine, 'HTTP/1.1 308 Permanent Redirect', `answer:\n${raw}`);
    assert.ok(lines.includes(`location: https://secure.test:${g.httpsPort}/room?id=1`), `answer:\n${raw}`);
    assert.ok(lines.includes('server: gatehouse'));
    assert.ok(
      echo.upgrades.every((headers) => headers['x-probe'] !== probe),
      'the redirected handshake was tunnelled to the backend',
    );
    // Counted like a plain request's redirect: one more 3xx answer in gatehouse_requests_total.
    await waitFor(
      'the redirect in the metrics',
      async () => (await redirectsCounted(g)) === countedBefore + 1,
    );
  });

  test('the same handshake over wss:// is tunnelled and echoes', async () => {
    const { ws, next } = await openSocket(`wss://secure.test:${g.httpsPort}/room?id=1`, agent).catch(
      (error: Error) => {
        throw new Error(`${error.message}\ngatehouse log:\n${g.output().slice(-4000)}`);
      },
    );
    ws.send('over tls');
    assert.equal(await next(), 'over tls');
    const seen = echo.upgrades.at(-1)!;
    assert.equal(seen.host, `secure.test:${g.httpsPort}`);
    assert.equal(seen['x-forwarded-proto'], 'https');
    ws.close();
    await once(ws, 'close');
  });

  test('a handshake on the plain port to a host without TLS is still tunnelled', async () => {
    const probe = randomUUID();
    const raw = await rawHandshake(g.httpPort, `plain.test:${g.httpPort}`, '/room', probe);
    assert.match(raw, /^HTTP\/1\.1 101 /, `answer:\n${raw}`);
    assert.ok(echo.upgrades.some((headers) => headers['x-probe'] === probe));
    const { ws, next } = await openSocket(`ws://plain.test:${g.httpPort}/room`, agent);
    ws.send('in the clear');
    assert.equal(await next(), 'in the clear');
    ws.close();
    await once(ws, 'close');
  });
});
