// ssl-passthrough, ssl-ciphers and ssl-prefer-server-ciphers through real workers (ingress-nginx
// annotations.md#ssl-passthrough, #ssl-ciphers; docs/user-guide/tls.md "SSL Passthrough"). With
// --enable-ssl-passthrough a ClientHello naming the passthrough host reaches the backend untouched
// (the client sees the backend's own certificate); every other name, and no name, is terminated.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import {
  type AddressInfo,
  createServer as createTcpServer,
  connect as netConnect,
  type Server as TcpServer,
} from 'node:net';
import { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { request } from 'undici';
import { makeTestCerts, type TestCerts } from '../../dataplane/src/upstream/test-certs.ts';
import {
  type Backend,
  freePort,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
  withAnnotations,
  withTls,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';

const P = 'nginx.ingress.kubernetes.io';

/** Handshakes with `servername` (none: no SNI); the certificate served, or the handshake error. */
async function handshake(
  port: number,
  servername: string | undefined,
  extra: ConnectionOptions = {},
): Promise<{ socket: TLSSocket; fingerprint: string } | { error: string }> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...extra });
  try {
    await once(socket, 'secureConnect');
  } catch (error) {
    socket.destroy();
    return { error: (error as Error).message };
  }
  return { socket, fingerprint: socket.getPeerCertificate().fingerprint256 };
}

async function servedBy(port: number, servername: string | undefined): Promise<string> {
  const r = await handshake(port, servername);
  assert.ok('socket' in r, `handshake for ${servername}: ${'error' in r ? r.error : ''}`);
  r.socket.destroy();
  return r.fingerprint;
}

/** One HTTP/1.1 request over a TLS socket: the raw answer. */
async function ask(socket: TLSSocket, host: string): Promise<string> {
  socket.write(`GET /x HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    text += d;
  });
  await once(socket, 'end');
  socket.destroy();
  return text;
}

/** The ClientHello node:tls sends for `servername`, captured from a socket that goes nowhere. */
async function clientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        done();
        setImmediate(() => tls.destroy());
        resolve(Buffer.from(chunk));
      },
    });
    const tls = tlsConnect({ socket: wire, servername, rejectUnauthorized: false });
    tls.on('error', () => {});
  });
}

/** Everything a socket receives until its peer ends. */
async function readAll(socket: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
  });
  await once(socket, 'end');
  return text;
}

function fingerprintOf(certs: TestCerts): string {
  return new X509Certificate(certs.certPem).fingerprint256;
}

describe('TLS listener annotations', () => {
  let secureCerts: TestCerts;
  let webCerts: TestCerts;
  let strictCerts: TestCerts;
  let pod: Server;
  let web: Backend;
  /** A plain TCP backend of a passthrough host: it sees the raw bytes, and answers after the client's FIN. */
  let raw: TcpServer;
  const rawSeen: Array<Promise<{ bytes: Buffer }>> = [];
  const dir = new ManifestDir();
  const started: Gatehouse[] = [];

  before(async () => {
    secureCerts = makeTestCerts('pass.test');
    webCerts = makeTestCerts('web.test');
    strictCerts = makeTestCerts('strict.test');
    pod = createServer({ cert: secureCerts.certPem, key: secureCerts.keyPem }, (req, res) => {
      const sni = (req.socket as TLSSocket).servername;
      res.end(`backend-tls sni=${sni} path=${req.url}`);
    });
    pod.listen(0, '127.0.0.1');
    await once(pod, 'listening');
    web = await startBackend('web');
    raw = createTcpServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      rawSeen.push(
        once(socket, 'end').then(() => {
          // Half-close: the client's FIN reached us, and our answer still reaches the client.
          socket.end('answer after your FIN');
          return { bytes: Buffer.concat(chunks) };
        }),
      );
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const rawHost = withAnnotations(
      ingress('shop', 'raw', [
        { host: 'raw.test', paths: [{ path: '/', service: 'raw' }] },
        { host: 'dead.test', paths: [{ path: '/', service: 'dead' }] },
      ]),
      { [`${P}/ssl-passthrough`]: 'true' },
    );
    const passthrough = withAnnotations(
      ingress('shop', 'pass', [{ host: 'pass.test', paths: [{ path: '/', service: 'secure' }] }]),
      // An L7 annotation that would answer every request: it has no effect on passed-through TLS.
      { [`${P}/ssl-passthrough`]: 'true', [`${P}/permanent-redirect`]: 'https://elsewhere.test/' },
    );
    const terminated = withTls(
      ingress('shop', 'web', [{ host: 'web.test', paths: [{ path: '/', service: 'web' }] }]),
      ['web.test'],
      'web-tls',
    );
    const strict = withAnnotations(
      withTls(
        ingress('shop', 'strict', [{ host: 'strict.test', paths: [{ path: '/', service: 'web' }] }]),
        ['strict.test'],
        'strict-tls',
      ),
      { [`${P}/ssl-ciphers`]: 'ECDHE-ECDSA-AES256-GCM-SHA384', [`${P}/ssl-prefer-server-ciphers`]: 'true' },
    );
    const broken = withAnnotations(
      withTls(
        ingress('shop', 'broken', [{ host: 'broken.test', paths: [{ path: '/', service: 'web' }] }]),
        ['broken.test'],
        'web-tls',
      ),
      { [`${P}/ssl-ciphers`]: 'NO-SUCH-CIPHER' },
    );
    dir.write('objects.yaml', [
      ingressClass(),
      passthrough,
      rawHost,
      terminated,
      strict,
      broken,
      tlsSecret('shop', 'web-tls', webCerts),
      tlsSecret('shop', 'strict-tls', strictCerts),
      ...serviceFor('shop', 'secure', [{ port: (pod.address() as AddressInfo).port }]),
      ...serviceFor('shop', 'web', [web]),
      ...serviceFor('shop', 'raw', [{ port: (raw.address() as AddressInfo).port }]),
      // Nothing listens there: the connect fails.
      ...serviceFor('shop', 'dead', [{ port: await freePort() }]),
    ]);
  });

  after(async () => {
    for (const g of started) await g.stop();
    pod?.close();
    raw?.close();
    await web?.close();
    dir.cleanup();
  });

  async function gatehouse(args: string[]): Promise<Gatehouse> {
    const g = await startGatehouse(dir.dir, { workers: 1, args });
    started.push(g);
    await g.waitReady();
    return g;
  }

  describe('with --enable-ssl-passthrough', () => {
    let g: Gatehouse;
    before(async () => {
      // The ClientHello deadline is the header timeout: short, so a stalled client is seen cut off.
      g = await gatehouse(['--enable-ssl-passthrough', '--client-header-timeout', '1s']);
    });

    test("SNI naming the passthrough host: the client sees the backend's own certificate and answer", async () => {
      const r = await handshake(g.httpsPort, 'pass.test');
      assert.ok('socket' in r);
      assert.equal(r.fingerprint, fingerprintOf(secureCerts));
      // The backend terminated TLS itself: its answer, not the redirect the annotation asks for.
      const answer = await ask(r.socket, 'pass.test');
      assert.match(answer, /^HTTP\/1\.1 200/);
      assert.match(answer, /backend-tls sni=pass\.test path=\/x/);
    });

    test("another host on the same listener is terminated with Gatehouse's certificate", async () => {
      const r = await handshake(g.httpsPort, 'web.test');
      assert.ok('socket' in r);
      assert.equal(r.fingerprint, fingerprintOf(webCerts));
      const answer = await ask(r.socket, 'web.test');
      assert.match(answer, /^HTTP\/1\.1 200/);
      assert.match(answer, /"backend":"web"/);
    });

    test('no SNI, or an unknown name, takes the normal path (never the backend)', async () => {
      for (const name of [undefined, 'unknown.test', 'PASS.test.evil']) {
        assert.notEqual(await servedBy(g.httpsPort, name), fingerprintOf(secureCerts), String(name));
      }
    });

    test('bytes that are not TLS are answered by the TLS server as before, and the worker lives on', async () => {
      const { connect } = await import('node:net');
      const socket = connect(g.httpsPort, '127.0.0.1');
      socket.end('GET / HTTP/1.1\r\nhost: pass.test\r\n\r\n');
      socket.resume();
      await once(socket, 'close');
      assert.equal(await servedBy(g.httpsPort, 'pass.test'), fingerprintOf(secureCerts));
    });

    test('the bytes reach the backend as sent; each FIN is passed on and the other direction keeps flowing', async () => {
      const hello = await clientHello('raw.test');
      const socket = netConnect({ port: g.httpsPort, host: '127.0.0.1', allowHalfOpen: true });
      await once(socket, 'connect');
      const answer = readAll(socket);
      socket.write(hello.subarray(0, 7)); // a ClientHello arriving in pieces
      socket.end(Buffer.concat([hello.subarray(7), Buffer.from('and more')]));
      assert.equal(await answer, 'answer after your FIN');
      const seen = await rawSeen[rawSeen.length - 1];
      assert.deepEqual(seen.bytes, Buffer.concat([hello, Buffer.from('and more')]));
      socket.destroy();
    });

    test('a client that stalls inside its ClientHello is closed at the deadline', async () => {
      const hello = await clientHello('raw.test');
      const socket = netConnect({ port: g.httpsPort, host: '127.0.0.1' });
      await once(socket, 'connect');
      socket.write(hello.subarray(0, 20));
      socket.resume();
      socket.on('error', () => {});
      await waitFor('the stalled connection to be closed', async () => socket.closed, 10_000);
    });

    test('a backend that cannot be reached closes the client connection, and the worker serves on', async () => {
      const r = await handshake(g.httpsPort, 'dead.test');
      assert.ok('error' in r);
      assert.equal(await servedBy(g.httpsPort, 'pass.test'), fingerprintOf(secureCerts));
    });

    test('passed-through connections are counted, with bounded labels', async () => {
      await waitFor('passthrough metric', async () => {
        const res = await request(`http://127.0.0.1:${g.adminPort}/metrics`);
        const text = await res.body.text();
        return (
          /gatehouse_ssl_passthrough_connections_total\{namespace="shop",service="secure",outcome="piped"\} [1-9]/.test(
            text,
          ) &&
          /gatehouse_ssl_passthrough_connections_total\{namespace="shop",service="dead",outcome="connect_error"\} [1-9]/.test(
            text,
          )
        );
      });
    });

    test('ssl-ciphers: a client offering only a cipher outside the host list fails there, not on another host', async () => {
      const only = { maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' };
      const refused = await handshake(g.httpsPort, 'strict.test', only);
      assert.ok('error' in refused, 'the handshake with strict.test should fail');
      const other = await handshake(g.httpsPort, 'web.test', only);
      assert.ok('socket' in other, `web.test: ${'error' in other ? other.error : ''}`);
      other.socket.destroy();
      // The listed cipher works on the strict host, and TLS 1.3 keeps its own suites.
      const listed = await handshake(g.httpsPort, 'strict.test', {
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
      });
      assert.ok('socket' in listed);
      listed.socket.destroy();
      const tls13 = await handshake(g.httpsPort, 'strict.test', { minVersion: 'TLSv1.3' });
      assert.ok('socket' in tls13);
      tls13.socket.destroy();
    });

    test('an ssl-ciphers list OpenSSL refuses is a Warning, and the host keeps the default list', async () => {
      assert.match(
        g.output(),
        /shop\/broken[^\n]*ssl-ciphers|ssl-ciphers[^\n]*shop\/broken|broken[^\n]*InvalidAnnotation/,
      );
      const r = await handshake(g.httpsPort, 'broken.test', {
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      });
      assert.ok('socket' in r);
      r.socket.destroy();
    });
  });

  describe('with --proxy-protocol', () => {
    let g: Gatehouse;
    before(async () => {
      g = await gatehouse([
        '--enable-ssl-passthrough',
        '--proxy-protocol',
        '--trusted-proxies',
        '127.0.0.1/32',
      ]);
    });

    test('the ClientHello is read after the PROXY header, which the backend never sees', async () => {
      const hello = await clientHello('raw.test');
      const socket = netConnect({ port: g.httpsPort, host: '127.0.0.1', allowHalfOpen: true });
      await once(socket, 'connect');
      const answer = readAll(socket);
      socket.end(Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n'), hello]));
      assert.equal(await answer, 'answer after your FIN');
      assert.deepEqual((await rawSeen[rawSeen.length - 1]).bytes, hello);
    });

    test('another name after a PROXY header is terminated as usual', async () => {
      const socket = netConnect({ port: g.httpsPort, host: '127.0.0.1' });
      await once(socket, 'connect');
      socket.write('PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n');
      const tls = tlsConnect({ socket, servername: 'web.test', rejectUnauthorized: false });
      await once(tls, 'secureConnect');
      assert.equal(tls.getPeerCertificate().fingerprint256, fingerprintOf(webCerts));
      tls.destroy();
    });
  });

  describe('without the flag', () => {
    let g: Gatehouse;
    before(async () => {
      g = await gatehouse([]);
    });

    test('the passthrough host is terminated as usual, and the Ingress gets a Warning', async () => {
      assert.notEqual(await servedBy(g.httpsPort, 'pass.test'), fingerprintOf(secureCerts));
      assert.match(g.output(), /SslPassthroughDisabled/);
    });
  });
});
