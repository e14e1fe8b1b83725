// auth-type basic through real workers, from manifests as a user writes them (ingress-nginx
// annotations.md#authentication; test/e2e/annotations/auth.go): 401 with the realm's challenge
// without or with wrong credentials, 200 with each hash kind htpasswd and openssl write (fixtures in
// dataplane/src/proxy/testdata/htpasswd), an auth-map Secret, Authorization never sent upstream
// (nginx.tmpl), HTTP/2 and WebSocket handshakes alike, 503 for a missing Secret, refusals counted.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { parseExposition, sampleValue } from '../metrics/exposition.ts';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
  withAnnotations,
} from './harness.ts';
import { type EchoServer, startEchoServer } from './ws-echo.ts';

const P = 'nginx.ingress.kubernetes.io';
const HTPASSWD = readFileSync(
  new URL('../../dataplane/src/proxy/testdata/htpasswd', import.meta.url),
  'utf8',
);
/** Users of the fixture file whose hash the worker verifies, each with the password s3cret. */
const KINDS = [
  'apr1',
  'openssl-apr1',
  'md5-crypt',
  'bcrypt-2y',
  'bcrypt-2a',
  'bcrypt-2b',
  'sha1',
  'ssha',
  'des',
  'plain',
];
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic authentication through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let ws: EchoServer;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    ws = await startEchoServer();
    const site = (name: string, host: string, annotations: Record<string, string>, service = 'app') =>
      withAnnotations(ingress('apps', name, [{ host, paths: [{ path: '/', service }] }]), annotations);
    const secret = (name: string, stringData: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { namespace: 'apps', name },
      stringData,
    });
    const bcrypt = HTPASSWD.split('\n')
      .find((l) => l.startsWith('bcrypt-2y:'))!
      .split(':')[1]!;
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      ...serviceFor('apps', 'ws', [ws]),
      secret('htpasswd', { auth: HTPASSWD }),
      secret('users-map', { maria: bcrypt }),
      site('file', 'file.example', {
        [`${P}/auth-type`]: 'basic',
        [`${P}/auth-secret`]: 'htpasswd',
        [`${P}/auth-realm`]: 'Authentication Required - file',
        [`${P}/enable-cors`]: 'true',
      }),
      site('map', 'map.example', {
        [`${P}/auth-type`]: 'basic',
        [`${P}/auth-secret`]: 'apps/users-map',
        [`${P}/auth-secret-type`]: 'auth-map',
      }),
      site('missing', 'missing.example', { [`${P}/auth-type`]: 'basic', [`${P}/auth-secret`]: 'something' }),
      site('ws', 'ws.example', { [`${P}/auth-type`]: 'basic', [`${P}/auth-secret`]: 'htpasswd' }, 'ws'),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2, args: ['--access-log'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    await ws?.close();
    dir.cleanup();
  });

  async function send(host: string, path: string, authorization?: string) {
    const res = await request(g.url(path), {
      headers: { host, ...(authorization === undefined ? {} : { authorization }) },
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }
  const seen = (path: string) => app.seen.find((s) => s.url === path);

  it('401 with the realm and no upstream request, without credentials or with wrong ones', async () => {
    const none = await send('file.example', '/none');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="Authentication Required - file"');
    // e2e auth.go: the CORS headers are on the 401 too.
    assert.equal(none.headers['access-control-allow-origin'], '*');
    assert.equal((await send('file.example', '/wrong', basic('apr1', 'nope'))).status, 401);
    assert.equal((await send('file.example', '/nobody', basic('nobody', 's3cret'))).status, 401);
    assert.equal((await send('file.example', '/bearer', 'Bearer s3cret')).status, 401);
    // $6$ (htpasswd -5): a format the worker cannot verify; that user cannot log in.
    assert.equal((await send('file.example', '/sha512', basic('sha512-crypt', 's3cret'))).status, 401);
    for (const p of ['/none', '/wrong', '/nobody', '/bearer', '/sha512']) assert.equal(seen(p), undefined, p);
  });

  it('200 with each hash kind; the Authorization header is not sent upstream', async () => {
    for (const user of KINDS) {
      const res = await send('file.example', `/ok-${user}`, basic(user, 's3cret'));
      assert.equal(res.status, 200, user);
      const upstream = seen(`/ok-${user}`);
      assert.ok(upstream, user);
      assert.equal(upstream.headers.authorization, undefined, user);
    }
    // A cached success is no success for another password.
    assert.equal((await send('file.example', '/again', basic('bcrypt-2y', 's3cret!'))).status, 401);
  });

  it('an auth-map Secret: each key a user, each value its hash', async () => {
    assert.equal((await send('map.example', '/map', basic('maria', 's3cret'))).status, 200);
    assert.equal((await send('map.example', '/map-wrong', basic('maria', 'x'))).status, 401);
  });

  it('a missing Secret fails closed: 503 with a diagnostic, never open', async () => {
    assert.equal((await send('missing.example', '/missing', basic('apr1', 's3cret'))).status, 503);
    assert.match(g.output(), /InvalidAuthSecret/);
  });

  it('HTTP/2 requests meet the same check', async () => {
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'file.example',
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    try {
      const status = async (path: string, authorization?: string) => {
        const stream = session.request({
          ':authority': 'file.example',
          ':path': path,
          ...(authorization === undefined ? {} : { authorization }),
        });
        stream.on('error', () => {});
        stream.resume();
        const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
        return { status: Number(head[':status']), challenge: head['www-authenticate'] };
      };
      assert.deepEqual(await status('/h2-none'), {
        status: 401,
        challenge: 'Basic realm="Authentication Required - file"',
      });
      assert.equal((await status('/h2-ok', basic('apr1', 's3cret'))).status, 200);
      assert.equal(seen('/h2-ok')?.headers.authorization, undefined);
    } finally {
      session.destroy();
    }
  });

  it('a WebSocket handshake meets the same check', async () => {
    const handshake = async (authorization?: string) => {
      const socket = connect({ port: g.httpPort, host: '127.0.0.1' });
      socket.on('error', () => {});
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (d: Buffer) => {
        received += d.toString('latin1');
      });
      socket.write(
        'GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          `${authorization === undefined ? '' : `Authorization: ${authorization}\r\n`}\r\n`,
      );
      try {
        await waitFor('a handshake answer', () => received.includes('\r\n\r\n'));
        return received;
      } finally {
        socket.destroy();
      }
    };
    const before = ws.upgrades.length;
    const refused = await handshake();
    assert.match(refused, /^HTTP\/1\.1 401 /);
    assert.match(refused, /\r\nwww-authenticate: Basic realm=""\r\n/i);
    assert.equal(ws.upgrades.length, before, 'a refused handshake never reaches the backend');
    assert.match(await handshake(basic('des', 's3cret')), /^HTTP\/1\.1 101 /);
  });

  it('refusals are counted as basic_auth and the access log says so', async () => {
    const res = await request(`http://127.0.0.1:${g.adminPort}/metrics`);
    const { samples } = parseExposition(await res.body.text());
    const denied = (ingressName: string) =>
      sampleValue(samples, 'gatehouse_requests_denied_total', {
        namespace: 'apps',
        ingress: ingressName,
        reason: 'basic_auth',
      });
    assert.deepEqual(['file', 'map', 'ws', 'missing'].map(denied), [7, 1, 1, undefined]);
    const line = g
      .output()
      .split('\n')
      .find((l) => l.includes('"host":"file.example"') && l.includes('"status":401'));
    assert.ok(line, 'an access log line for the refusal');
    assert.equal(JSON.parse(line).denied, 'basic_auth');
  });
});
