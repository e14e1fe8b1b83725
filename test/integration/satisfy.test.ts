// satisfy through real workers (ingress-nginx annotations.md#satisfy; nginx's satisfy directive,
// ngx_http_core_access_phase): with `any` a request the source ranges OR the authentication let on
// is served; with `all` (the default) both must. The test client is 127.0.0.1: an allow list of
// 127.0.0.1/32 admits it, one of 10.0.0.0/8 does not.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
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
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';
const USERS = 'alice:{PLAIN}s3cret\n';
const GOOD = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

/** The auth service: 200 when the client sent X-Let-In, else 403. */
function decide(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(req.headers['x-let-in'] === undefined ? 403 : 200);
  res.end();
}

describe('satisfy through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let auth: Backend;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    auth = await startBackend('auth', decide);
    const site = (name: string, annotations: Record<string, string>) =>
      withAnnotations(
        ingress('apps', name, [{ host: `${name}.test`, paths: [{ path: '/', service: 'app' }] }]),
        annotations,
      );
    const basic = { [`${P}/auth-type`]: 'basic', [`${P}/auth-secret`]: 'users' };
    const inside = { [`${P}/whitelist-source-range`]: '127.0.0.1/32' };
    const outside = { [`${P}/whitelist-source-range`]: '10.0.0.0/8' };
    const any = { [`${P}/satisfy`]: 'any' };
    const external = { [`${P}/auth-url`]: 'http://auth.apps.svc.cluster.local/verify' };
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      ...serviceFor('apps', 'auth', [auth]),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { namespace: 'apps', name: 'users' },
        stringData: { auth: USERS },
      },
      site('any-in', { ...any, ...inside, ...basic }),
      site('any-out', { ...any, ...outside, ...basic }),
      site('all-in', { ...inside, ...basic }),
      site('all-out', { ...outside, ...basic }),
      site('any-ext', { ...any, ...outside, ...external }),
      site('any-both', { ...any, ...outside, ...basic, ...external }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    await auth?.close();
    dir.cleanup();
  });

  async function status(host: string, headers: Record<string, string> = {}) {
    const res = await request(g.url('/'), { headers: { host, ...headers } });
    await res.body.text();
    return { status: res.statusCode, challenge: res.headers['www-authenticate'] };
  }

  it('any: an allowed address is served without credentials', async () => {
    assert.equal((await status('any-in.test')).status, 200);
  });

  it('any: outside the allow list, valid credentials let the request on; none get the 401 challenge', async () => {
    assert.equal((await status('any-out.test', { authorization: GOOD })).status, 200);
    const none = await status('any-out.test');
    assert.equal(none.status, 401);
    assert.match(String(none.challenge), /^Basic realm=/);
  });

  it('all (the default): an allowed address still needs credentials; credentials outside the list get 403', async () => {
    assert.equal((await status('all-in.test')).status, 401);
    assert.equal((await status('all-in.test', { authorization: GOOD })).status, 200);
    assert.equal((await status('all-out.test', { authorization: GOOD })).status, 403);
  });

  it('any with auth-url: the auth service letting the request on suffices; its 403 is the answer otherwise', async () => {
    assert.equal((await status('any-ext.test', { 'x-let-in': '1' })).status, 200);
    assert.equal((await status('any-ext.test')).status, 403);
  });

  it("any with basic auth and auth-url: either lets on; when both refuse, auth_basic's 401 outranks the 403", async () => {
    assert.equal((await status('any-both.test', { authorization: GOOD })).status, 200);
    assert.equal((await status('any-both.test', { 'x-let-in': '1' })).status, 200);
    assert.equal((await status('any-both.test')).status, 401);
  });
});
