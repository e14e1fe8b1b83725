// TLS termination end to end: SNI picks the certificate of an Ingress's tls Secret (exact host,
// one-label wildcard, default for the rest), h2 and http/1.1 through ALPN, HTTP→HTTPS redirects,
// live certificate swaps, and session resumption across workers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
import { TICKET_KEYS_BYTES } from '../../controller/src/tls/ticket-keys.ts';
import {
  type Backend,
  type Gatehouse,
  get,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';
import { prefixRoute, startWorker, tableOf } from './worker-harness.ts';

function tlsIngress(tls: Array<{ hosts: string[]; secretName: string }>, hosts: string[]): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'gatehouse',
      tls,
      rules: hosts.map((host) => ({
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      })),
    },
  };
}

/** The certificate a TLS client is served for `servername` (none: no SNI at all). */
async function servedCertificate(
  port: number,
  servername: string | undefined,
): Promise<{ cert: PeerCertificate; socket: TLSSocket }> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  return { cert: socket.getPeerCertificate(), socket };
}

async function sanFor(port: number, servername: string | undefined): Promise<string | undefined> {
  const { cert, socket } = await servedCertificate(port, servername);
  socket.destroy();
  return cert.subjectaltname;
}

async function h2Get(
  session: ReturnType<typeof http2Connect>,
  path: string,
  authority: string,
  body?: string,
): Promise<{ status: number; json: Record<string, unknown>; trailers?: Record<string, unknown> }> {
  const stream = session.request({
    ':method': body === undefined ? 'GET' : 'POST',
    ':path': path,
    ':authority': authority,
  });
  if (body === undefined) stream.end();
  else stream.end(body);
  let trailers: Record<string, unknown> | undefined;
  stream.on('trailers', (t) => {
    trailers = t;
  });
  const [headers] = (await once(stream, 'response')) as [Record<string, string | number>];
  let text = '';
  for await (const chunk of stream) text += chunk;
  return { status: Number(headers[':status']), json: text ? JSON.parse(text) : {}, trailers };
}

describe('TLS termination', () => {
  const manifests = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;
  const shop = selfSignedCertificate({ dnsNames: ['shop.example.com'] });
  const wild = selfSignedCertificate({ dnsNames: ['*.example.org'] });
  const hosts = [
    'shop.example.com',
    '*.example.org',
    'plain.example.net',
    'broken.example.com',
    'expired.example.com',
    'mismatch.example.com',
  ];
  const tls = [
    { hosts: ['shop.example.com'], secretName: 'shop-tls' },
    { hosts: ['*.example.org'], secretName: 'wild-tls' },
    { hosts: ['broken.example.com'], secretName: 'broken-tls' },
    { hosts: ['expired.example.com'], secretName: 'expired-tls' },
    { hosts: ['mismatch.example.com'], secretName: 'wild-tls' },
  ];

  before(async () => {
    backend = await startBackend('web', (req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', trailer: 'x-checksum' });
        res.write(JSON.stringify({ path: req.url, headers: req.headers, body }));
        if (req.url?.startsWith('/trailers')) res.addTrailers({ 'x-checksum': 'abc123' });
        res.end();
      });
    });
    const expired = selfSignedCertificate({
      dnsNames: ['expired.example.com'],
      now: new Date('2020-01-01T00:00:00Z'),
      validDays: 30,
    });
    const broken = { certPem: shop.certPem.replace(/[A-Za-z]{10}\n/, 'AAAAAAAAAA\n'), keyPem: shop.keyPem };
    manifests.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('shop', 'web', [backend]),
      tlsSecret('shop', 'shop-tls', shop),
      tlsSecret('shop', 'wild-tls', wild),
      tlsSecret('shop', 'broken-tls', broken),
      tlsSecret('shop', 'expired-tls', expired),
      tlsIngress(tls, hosts),
    ]);
    g = await startGatehouse(manifests.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    manifests.cleanup();
  });

  test('SNI picks the exact host, a one-label wildcard, else the default certificate', async () => {
    const cases: Array<[string | undefined, string]> = [
      ['shop.example.com', 'DNS:shop.example.com'],
      ['SHOP.Example.com', 'DNS:shop.example.com'],
      ['a.example.org', 'DNS:*.example.org'],
      ['a.b.example.org', 'DNS:gatehouse.invalid'],
      ['example.org', 'DNS:gatehouse.invalid'],
      ['plain.example.net', 'DNS:gatehouse.invalid'],
      ['unknown.test', 'DNS:gatehouse.invalid'],
      [undefined, 'DNS:gatehouse.invalid'],
    ];
    for (const [servername, san] of cases) {
      assert.equal(await sanFor(g.httpsPort, servername), san, `SNI ${servername ?? '(none)'}`);
    }
  });

  test('an invalid, expired or mismatched Secret is a diagnostic and its host gets the default certificate', async () => {
    const pids = g.workerPids().sort();
    const cases: Array<[string, RegExp]> = [
      ['broken.example.com', /InvalidCertificate[\s\S]*broken-tls|broken-tls[\s\S]*InvalidCertificate/],
      ['expired.example.com', /CertificateExpired/],
      ['mismatch.example.com', /TLSHostMismatch/],
    ];
    for (const [host, diagnostic] of cases) {
      assert.match(g.output(), diagnostic, host);
      assert.equal(await sanFor(g.httpsPort, host), 'DNS:gatehouse.invalid', host);
    }
    assert.deepEqual(g.workerPids().sort(), pids, 'no worker restarted');
  });

  test('TLS 1.1 and older, and TLS 1.2 without an AEAD cipher, are refused', async () => {
    const clients: Array<[string, object]> = [
      ['TLS 1.1', { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }],
      ['TLS 1.0', { maxVersion: 'TLSv1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }],
      ['TLS 1.2 CBC', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' }],
    ];
    for (const [name, options] of clients) {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: g.httpsPort,
        servername: 'shop.example.com',
        rejectUnauthorized: false,
        ...options,
      });
      const [error] = (await once(socket, 'error')) as [Error & { code?: string }];
      assert.match(String(error.code ?? error.message), /VERSION|PROTOCOL|ALERT|HANDSHAKE/i, name);
    }
    const modern = tlsConnect({
      host: '127.0.0.1',
      port: g.httpsPort,
      servername: 'shop.example.com',
      rejectUnauthorized: false,
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    await once(modern, 'secureConnect');
    assert.equal(modern.getProtocol(), 'TLSv1.2');
    modern.destroy();
  });

  test('h2 is negotiated through ALPN and proxied with Host, X-Forwarded-Proto https and the client address', async () => {
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'shop.example.com',
      rejectUnauthorized: false,
    });
    try {
      await once(session, 'connect');
      assert.equal(session.alpnProtocol, 'h2');
      const got = await h2Get(session, '/cart?id=7', 'shop.example.com');
      assert.equal(got.status, 200);
      assert.equal(got.json.path, '/cart?id=7');
      const headers = got.json.headers as Record<string, string>;
      assert.equal(headers.host, 'shop.example.com');
      assert.equal(headers['x-forwarded-proto'], 'https');
      // HTTP/2 runs over the frame guard's stream, which has no address of its own.
      assert.equal(headers['x-forwarded-for'], '127.0.0.1');
      const trailed = await h2Get(session, '/trailers', 'shop.example.com');
      assert.equal(trailed.trailers?.['x-checksum'], 'abc123', 'upstream trailers reach the h2 client');
      const posted = await h2Get(session, '/orders', 'shop.example.com', 'a body without content-length');
      assert.equal(posted.status, 200);
      assert.equal(posted.json.body, 'a body without content-length');
    } finally {
      session.close();
    }
  });

  test('HTTP/1.1 over TLS is served to clients that do not offer h2', async () => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: g.httpsPort,
      servername: 'shop.example.com',
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'http/1.1');
    socket.write('GET /h1?x=1 HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n');
    let raw = '';
    for await (const chunk of socket) raw += chunk;
    assert.match(raw, /^HTTP\/1\.1 200 /);
    assert.match(raw, /"path":"\/h1\?x=1"/);
  });

  test('plain HTTP to a host listed under tls redirects 308 to HTTPS, keeping path and query', async () => {
    const res = await get(g, 'shop.example.com', '/a/b?x=1&y=%20');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), `https://shop.example.com:${g.httpsPort}/a/b?x=1&y=%20`);
    const plain = await get(g, 'plain.example.net', '/a?b=c');
    assert.equal(plain.status, 200, 'a host without tls is served over plain HTTP');
    const broken = await get(g, 'broken.example.com', '/');
    assert.equal(broken.status, 200, 'a host whose Secret is unusable is not forced onto HTTPS');
  });

  test('session tickets issued by one worker resume on every worker', async () => {
    const first = tlsConnect({
      host: '127.0.0.1',
      port: g.httpsPort,
      servername: 'shop.example.com',
      rejectUnauthorized: false,
    });
    const [session] = (await once(first, 'session')) as [Buffer];
    first.destroy();
    // SO_REUSEPORT spreads connections by source port: a dozen reach both workers but for 1 in 2^11.
    for (let i = 0; i < 12; i++) {
      const again = tlsConnect({
        host: '127.0.0.1',
        port: g.httpsPort,
        servername: 'shop.example.com',
        rejectUnauthorized: false,
        session,
      });
      await once(again, 'secureConnect');
      assert.equal(again.isSessionReused(), true, `resumption ${i}`);
      again.destroy();
    }
  });

  test('a changed Secret is served to new handshakes while an open connection keeps working', async () => {
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'shop.example.com',
      rejectUnauthorized: false,
    });
    try {
      await once(session, 'connect');
      const before = (session.socket as TLSSocket).getPeerCertificate().fingerprint256;
      assert.equal((await h2Get(session, '/before', 'shop.example.com')).status, 200);

      const renewed = selfSignedCertificate({ dnsNames: ['shop.example.com'] });
      manifests.write('objects.yaml', [
        ingressClass(),
        ...serviceFor('shop', 'web', [backend]),
        tlsSecret('shop', 'shop-tls', renewed),
        tlsSecret('shop', 'wild-tls', wild),
        tlsIngress(tls.slice(0, 2), hosts.slice(0, 3)),
      ]);
      const served = await waitFor('the renewed certificate on new connections', async () => {
        const { cert, socket } = await servedCertificate(g.httpsPort, 'shop.example.com');
        socket.destroy();
        return cert.fingerprint256 !== before ? cert : undefined;
      });
      assert.equal(served.subjectaltname, 'DNS:shop.example.com');
      assert.equal(session.closed || session.destroyed, false, 'the open session survived the swap');
      const after = await h2Get(session, '/after', 'shop.example.com');
      assert.equal(after.status, 200);
      assert.equal(after.json.path, '/after');
      assert.equal((session.socket as TLSSocket).getPeerCertificate().fingerprint256, before);
    } finally {
      session.close();
    }
  });
});

describe('session ticket rotation', () => {
  test('after a key rotation older tickets fall back to a full handshake and new ones resume', async () => {
    const backend = await startBackend('web');
    const worker = await startWorker(tableOf(1, [prefixRoute('all', '/', 'web')], { web: backend.port }), {
      ticketKeys: randomBytes(TICKET_KEYS_BYTES),
    });
    const handshake = async (session?: Buffer) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: worker.httpsPort,
        rejectUnauthorized: false,
        session,
      });
      const issued = once(socket, 'session') as Promise<[Buffer]>;
      await once(socket, 'secureConnect');
      const reused = socket.isSessionReused();
      // A full handshake issues a ticket; a resumed one (here) issues none.
      const ticket = reused ? undefined : (await issued)[0];
      socket.destroy();
      return { ticket, reused };
    };
    try {
      const old = await handshake();
      assert.equal((await handshake(old.ticket)).reused, true, 'resumes before the rotation');
      worker.send({ type: 'ticket-keys', keys: randomBytes(TICKET_KEYS_BYTES) });
      await waitFor('the old ticket to stop resuming', async () => !(await handshake(old.ticket)).reused);
      const fresh = await handshake();
      assert.equal((await handshake(fresh.ticket)).reused, true, 'a ticket of the new key resumes');
    } finally {
      await worker.stop();
      await backend.close();
    }
  });
});

describe('the port HTTP→HTTPS redirects name', () => {
  const manifests = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;

  before(async () => {
    backend = await startBackend('web');
    const shop = selfSignedCertificate({ dnsNames: ['shop.example.com'] });
    manifests.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('shop', 'web', [backend]),
      tlsSecret('shop', 'shop-tls', shop),
      tlsIngress([{ hosts: ['shop.example.com'], secretName: 'shop-tls' }], ['shop.example.com']),
    ]);
    // Behind a Service clients reach the HTTPS listener (here a free port) on 443.
    g = await startGatehouse(manifests.dir, { workers: 1, args: ['--https-redirect-port', '443'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    manifests.cleanup();
  });

  test('--https-redirect-port 443 leaves the port out of the Location, whatever --https-port is', async () => {
    const res = await get(g, 'shop.example.com', '/a?x=1');
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), 'https://shop.example.com/a?x=1');
  });
});
