// KubeHttp against an apiserver that offers HTTP/2 by ALPN (kube-apiserver does): watches are
// streams of shared connections, not one TLS connection each, and a server's stream limit opens
// another connection instead of queueing watches forever.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { selfSignedCertificate } from '../../tls/self-signed.ts';
import { RESOURCES } from './access.ts';
import { waitFor } from './fake-clock.ts';
import { httpTransport } from './http-transport.ts';
import { KubeHttp, proxyUri } from './kube-http.ts';
import { ApiError } from './transport.ts';

const STREAM_LIMIT = 10;
const cert = selfSignedCertificate({ dnsNames: ['apiserver.test'] });
let connections = 0;
const h2Streams: string[] = [];
const openWatches = new Set<http2.Http2ServerResponse>();
const server = http2.createSecureServer(
  {
    cert: cert.certPem,
    key: cert.keyPem,
    allowHTTP1: true,
    settings: { maxConcurrentStreams: STREAM_LIMIT },
  },
  (req, res) => {
    h2Streams.push(`${req.httpVersion} ${req.headers.authorization} ${req.headers['user-agent']} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    if (req.url.includes('name%3Dmissing')) {
      res.writeHead(404);
      res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'gone' }));
    } else if (req.url.includes('watch=true')) {
      res.writeHead(200);
      res.write('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"2"}}}\n');
      openWatches.add(res);
      res.on('close', () => openWatches.delete(res));
    } else {
      res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
    }
  },
);
// Every TLS connection, whichever protocol it then speaks.
server.on('secureConnection', () => connections++);
let port = 0;

before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});
after(() => server.close());

function kubeConfig(extra: { proxyUrl?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `https://127.0.0.1:${port}`,
        caData: Buffer.from(cert.certPem).toString('base64'),
        tlsServerName: 'apiserver.test',
        ...extra,
      },
    ],
    users: [{ name: 'u', token: 't0k' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const secretByName = (name: string) => ({
  resource: RESOURCES.secrets,
  namespace: 'team',
  query: { fieldSelector: `metadata.name=${name}` },
});

async function watchMany(client: KubeHttp, n: number, ac: AbortController): Promise<void> {
  const t = httpTransport(client);
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const r = secretByName(`site-${i}`);
      const events = await t.watch(r, r.query, ac.signal);
      // Each watch reads its first event (and stays open), so a queued, never sent watch hangs here.
      const first = await events[Symbol.asyncIterator]().next();
      assert.equal(first.value?.type, 'BOOKMARK');
    }),
  );
}

test('more watches than the stream limit: all are served, over a few HTTP/2 connections', async () => {
  connections = 0;
  h2Streams.length = 0;
  const client = new KubeHttp(kubeConfig());
  const ac = new AbortController();
  const n = 25;
  try {
    // The LIST goes first and settles the protocol; the watches then multiplex behind it.
    const t = httpTransport(client);
    const r = secretByName('site-0');
    assert.deepEqual((await t.list(r, r.query, AbortSignal.timeout(5000))).items, []);
    await watchMany(client, n, ac);
    await waitFor(() => openWatches.size === n, `${n} watches open on the server`, 10_000);
    assert.ok(
      h2Streams.every((s) => s.startsWith('2.0 Bearer t0k gatehouse /api/v1/namespaces/team/secrets?')),
      h2Streams[0],
    );
    // 25 streams at 10 a connection need 3 connections; one each over HTTP/1.1 would be 25.
    assert.equal(connections, Math.ceil(n / STREAM_LIMIT));
  } finally {
    ac.abort();
    await waitFor(() => openWatches.size === 0, 'watches closed on the server', 10_000);
    client.close();
  }
});

test('requests and watches share one connection; an error answer over HTTP/2 is an ApiError', async () => {
  connections = 0;
  const client = new KubeHttp(kubeConfig());
  const ac = new AbortController();
  try {
    await watchMany(client, 5, ac);
    const t = httpTransport(client);
    for (let i = 0; i < 3; i++) {
      const r = secretByName(`other-${i}`);
      await t.list(r, r.query, AbortSignal.timeout(5000));
    }
    const r = secretByName('missing');
    await assert.rejects(
      t.list(r, r.query, AbortSignal.timeout(5000)),
      (err: unknown) => err instanceof ApiError && err.status === 404 && err.reason === 'NotFound',
    );
    assert.equal(connections, 1);
    ac.abort();
    await waitFor(() => openWatches.size === 0, 'an abort resets the watch streams', 10_000);
  } finally {
    ac.abort();
    client.close();
  }
});

test('through an HTTP CONNECT proxy (cluster.proxyUrl) the tunnel still speaks HTTP/2', async () => {
  connections = 0;
  h2Streams.length = 0;
  const tunnels: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const upstream = net.connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  const client = new KubeHttp(kubeConfig({ proxyUrl: `http://127.0.0.1:${proxyPort}` }));
  const ac = new AbortController();
  try {
    await watchMany(client, 5, ac);
    assert.deepEqual(tunnels, [`127.0.0.1:${port}`]);
    assert.equal(connections, 1);
    assert.ok(h2Streams.every((s) => s.startsWith('2.0 ')));
  } finally {
    ac.abort();
    client.close();
    proxy.closeAllConnections();
    proxy.close();
  }
});

test('proxy URLs: http(s) and SOCKS5 are used as given (socks5h as socks5), SOCKS4 is refused', () => {
  assert.equal(proxyUri('http://p:3128'), 'http://p:3128');
  assert.equal(proxyUri('https://p:3128'), 'https://p:3128');
  assert.equal(proxyUri('socks5://p:1080'), 'socks5://p:1080');
  assert.equal(proxyUri('socks5h://u:pw@p:1080'), 'socks5://u:pw@p:1080');
  assert.throws(() => proxyUri('socks4://p:1080'), /socks4:\/\/ is not supported/);
});

test('a watch stream the server resets (RST_STREAM, the connection kept) ends the watch at once', async () => {
  h2Streams.length = 0;
  const client = new KubeHttp(kubeConfig());
  const ac = new AbortController();
  try {
    const t = httpTransport(client);
    const r = secretByName('reset-me');
    // A LIST first settles HTTP/2, so the watch is a stream of a shared connection.
    await t.list(r, r.query, AbortSignal.timeout(5000));
    const events = (await t.watch(r, r.query, ac.signal))[Symbol.asyncIterator]();
    assert.equal((await events.next()).value?.type, 'BOOKMARK');
    const watch = [...openWatches].at(-1)!;
    assert.equal(watch.req.httpVersion, '2.0');
    watch.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    // Ended (or failed): either way the reflector reconnects; a hang here would wait for the stall timer.
    let deadline: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      events.next().then(
        (e) => (e.done ? 'done' : `event ${e.value?.type}`),
        () => 'error',
      ),
      new Promise<string>((resolve) => {
        deadline = setTimeout(resolve, 10_000, 'still open after 10 s');
      }),
    ]);
    clearTimeout(deadline);
    assert.ok(ended === 'done' || ended === 'error', ended);
  } finally {
    ac.abort();
    client.close();
  }
});
