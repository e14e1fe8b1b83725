// Client certificate authentication through real workers (ingress-nginx annotations.md "Client
// Certificate Authentication"; test/e2e/annotations/authtls.go; nginx.tmpl's server block:
// ssl_verify_client, error_page 495 496, the ssl-client-* headers, match-cn's `return 403`). The
// certificates are made in the test; each host's handshake is judged by a real TLS client.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { parseExposition } from '../metrics/exposition.ts';
import { type ClientCerts, makeClientCerts } from './client-certs.ts';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  withAnnotations,
  withTls,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';

const P = 'nginx.ingress.kubernetes.io';
const HOSTS = ['mtls.test', 'opt.test', 'noca.test', 'cn.test', 'page.test', 'open.test', 'missing.test'];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('client certificates (auth-tls-*) through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let g: Gatehouse;
  let certs: ClientCerts;

  before(async () => {
    certs = makeClientCerts(HOSTS);
    app = await startBackend('app');
    const site = (name: string, host: string, annotations: Record<string, string>) =>
      withTls(
        withAnnotations(
          ingress('apps', name, [{ host, paths: [{ path: '/', service: 'app' }] }]),
          annotations,
        ),
        [host],
        'server',
      );
    const ca = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { namespace: 'apps', name: 'client-ca' },
      stringData: { 'ca.crt': certs.caPem },
    };
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      tlsSecret('apps', 'server', certs.server),
      ca,
      site('mtls', 'mtls.test', {
        [`${P}/auth-tls-secret`]: 'apps/client-ca',
        [`${P}/auth-tls-pass-certificate-to-upstream`]: 'true',
      }),
      site('opt', 'opt.test', {
        [`${P}/auth-tls-secret`]: 'apps/client-ca',
        [`${P}/auth-tls-verify-client`]: 'optional',
      }),
      site('noca', 'noca.test', {
        [`${P}/auth-tls-secret`]: 'apps/client-ca',
        [`${P}/auth-tls-verify-client`]: 'optional_no_ca',
      }),
      site('cn', 'cn.test', {
        [`${P}/auth-tls-secret`]: 'apps/client-ca',
        [`${P}/auth-tls-match-cn`]: 'CN=someone-else',
      }),
      site('page', 'page.test', {
        [`${P}/auth-tls-secret`]: 'apps/client-ca',
        [`${P}/auth-tls-error-page`]: 'https://errors.example/cert',
      }),
      site('open', 'open.test', {}),
      site('missing', 'missing.test', { [`${P}/auth-tls-secret`]: 'apps/not-there' }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 1, args: ['--access-log'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    dir.cleanup();
  });

  /** One HTTP/1.1 request over a new TLS connection for `host`, with the client certificate given. */
  function send(
    host: string,
    client?: { certPem: string; keyPem: string },
    headers: Record<string, string> = {},
  ) {
    return new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: g.httpsPort,
          path: '/',
          servername: host,
          headers: { host, ...headers },
          rejectUnauthorized: false,
          agent: false,
          ...(client === undefined ? {} : { cert: client.certPem, key: client.keyPem }),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The headers the backend saw for the JSON answer's request. */
  const upstream = (a: Answer) => (JSON.parse(a.body) as { headers: Record<string, string> }).headers;

  it('verify on: no certificate and a certificate of another CA are answered 400 and never reach the backend', async () => {
    const before = app.seen.length;
    assert.equal((await send('mtls.test')).status, 400);
    assert.equal((await send('mtls.test', certs.stranger)).status, 400);
    assert.equal(app.seen.length, before);
  });

  it('the right certificate: 200, ssl-client-verify SUCCESS, the DNs and the URL-escaped PEM upstream', async () => {
    const a = await send('mtls.test', certs.client, { 'ssl-client-verify': 'forged' });
    assert.equal(a.status, 200);
    const h = upstream(a);
    assert.equal(h['ssl-client-verify'], 'SUCCESS');
    assert.equal(h['ssl-client-subject-dn'], 'CN=client.test,O=Gatehouse Test');
    assert.equal(h['ssl-client-issuer-dn'], 'CN=Gatehouse client CA');
    const pem = decodeURIComponent(h['ssl-client-cert'] ?? '');
    assert.equal(
      new X509Certificate(pem).fingerprint256,
      new X509Certificate(certs.client.certPem).fingerprint256,
    );
  });

  it('HTTP/2 alike: no certificate 400, the right one 200 with SUCCESS', async () => {
    const h2 = async (client?: { certPem: string; keyPem: string }) => {
      const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
        servername: 'mtls.test',
        rejectUnauthorized: false,
        ...(client === undefined ? {} : { cert: client.certPem, key: client.keyPem }),
      });
      try {
        const stream = session.request({ ':path': '/', ':authority': 'mtls.test' });
        const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
          stream.on('response', resolve);
          stream.on('error', reject);
        });
        let body = '';
        stream.setEncoding('utf8');
        for await (const chunk of stream) body += chunk;
        return { status: Number(headers[':status']), body };
      } finally {
        session.close();
      }
    };
    assert.equal((await h2()).status, 400);
    const ok = await h2(certs.client);
    assert.equal(ok.status, 200);
    assert.equal(
      (JSON.parse(ok.body) as { headers: Record<string, string> }).headers['ssl-client-verify'],
      'SUCCESS',
    );
  });

  it('optional: no certificate passes with ssl-client-verify NONE; a certificate of another CA is 400', async () => {
    const none = await send('opt.test');
    assert.equal(none.status, 200);
    assert.equal(upstream(none)['ssl-client-verify'], 'NONE');
    assert.equal(upstream(none)['ssl-client-cert'], undefined);
    assert.equal((await send('opt.test', certs.stranger)).status, 400);
    assert.equal(upstream(await send('opt.test', certs.client))['ssl-client-verify'], 'SUCCESS');
  });

  it('optional_no_ca: a certificate of another CA passes, said FAILED upstream', async () => {
    const a = await send('noca.test', certs.stranger);
    assert.equal(a.status, 200);
    assert.match(upstream(a)['ssl-client-verify'] ?? '', /^FAILED:/);
  });

  it('match-cn: a verified certificate whose subject does not match is 403', async () => {
    assert.equal((await send('cn.test', certs.client)).status, 403);
    assert.equal((await send('cn.test')).status, 400);
  });

  it('auth-tls-error-page: a failed verification is redirected there', async () => {
    const a = await send('page.test', certs.stranger);
    assert.equal(a.status, 302);
    assert.equal(a.headers.location, 'https://errors.example/cert');
    assert.equal((await send('page.test', certs.client)).status, 200);
  });

  it('a CA Secret that is missing: 503, never served open', async () => {
    assert.equal((await send('missing.test', certs.client)).status, 503);
  });

  it('a request for an auth-tls host over a connection made for another name has no certificate: 400', async () => {
    const a = await send('open.test', certs.client, { host: 'mtls.test' });
    assert.equal(a.status, 400);
  });

  it('a WebSocket handshake without a certificate is refused 400 as well', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      let answer = '';
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: g.httpsPort,
        servername: 'mtls.test',
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
      socket.on('secureConnect', () =>
        socket.write(
          'GET /ws HTTP/1.1\r\nhost: mtls.test\r\nconnection: upgrade\r\nupgrade: websocket\r\n' +
            'sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        answer += d;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });
    assert.match(text, /^HTTP\/1\.1 400/);
    assert.equal(
      app.seen.find((r) => r.url === '/ws'),
      undefined,
    );
  });

  it('a TLS session from a verified handshake is not resumed: the next connection without a certificate is 400', async () => {
    const ask = (options: ConnectionOptions) =>
      new Promise<{ reused: boolean; text: string; session: Buffer | undefined }>((resolve, reject) => {
        let session: Buffer | undefined;
        let text = '';
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: g.httpsPort,
          servername: 'mtls.test',
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
          ...options,
        });
        socket.on('session', (s: Buffer) => {
          session = s;
        });
        socket.on('secureConnect', () =>
          socket.write('GET / HTTP/1.1\r\nhost: mtls.test\r\nconnection: close\r\n\r\n'),
        );
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => {
          text += d;
        });
        socket.on('error', reject);
        socket.on('end', () => resolve({ reused: socket.isSessionReused(), text, session }));
      });
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const first = await ask({ cert: certs.client.certPem, key: certs.client.keyPem, maxVersion: version });
      assert.match(first.text, /^HTTP\/1\.1 200/, version);
      const again = await ask({ session: first.session, maxVersion: version });
      assert.equal(again.reused, false, version);
      assert.match(again.text, /^HTTP\/1\.1 400/, version);
    }
  });

  it('only the handshake of an auth-tls host asks for a certificate (openssl s_client sees the CA names)', async () => {
    const sClient = (name: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          'openssl',
          ['s_client', '-connect', `127.0.0.1:${g.httpsPort}`, '-servername', name],
          { timeout: 20_000 },
          (error, stdout) => (error !== null && stdout === '' ? reject(error) : resolve(stdout)),
        );
        child.stdin?.end();
      });
    assert.match(
      await sClient('mtls.test'),
      /Acceptable client certificate CA names\s+CN\s*=\s*Gatehouse client CA/,
    );
    const open = await sClient('open.test');
    assert.doesNotMatch(open, /Acceptable client certificate CA names/);
    assert.match(open, /No client certificate CA names sent/);
    // The open host is served with no certificate at all.
    assert.equal((await send('open.test')).status, 200);
  });

  it('refusals are counted as gatehouse_requests_denied_total{reason="client_certificate"}', async () => {
    const text = await (await fetch(`http://127.0.0.1:${g.adminPort}/metrics`)).text();
    const denied = parseExposition(text).samples.filter(
      (s) => s.name === 'gatehouse_requests_denied_total' && s.labels.reason === 'client_certificate',
    );
    const mtls = denied.filter((s) => s.labels.ingress === 'mtls').reduce((n, s) => n + s.value, 0);
    assert.ok(mtls >= 3, JSON.stringify(denied));
  });
});
