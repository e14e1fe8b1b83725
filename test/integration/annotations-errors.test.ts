// custom-http-errors + default-backend through real workers, as ingress-nginx's docs and e2e tests
// use them (annotations.md#custom-http-errors, #default-backend, user-guide/custom-errors.md,
// test/e2e/annotations/customhttperrors.go, default_backend.go): a listed upstream status is
// replaced by the error backend's answer, which is told why in X-Code & co.; a Service without
// endpoints sends its requests to the default-backend Service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
  withAnnotations,
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';

describe('custom-http-errors and default-backend through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let errors: Backend;
  let globalErrors: Backend;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app', (req, res) => {
      if (req.url?.startsWith('/missing')) {
        res.writeHead(404, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
        res.end('the upstream 404 page');
      } else if (req.url === '/long-404') {
        // Longer than the proxy drains to keep the connection: cut, and the page is still served.
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('x'.repeat(256 * 1024));
      } else if (req.url === '/unavailable') {
        res.writeHead(503);
        res.end('the upstream 503 page');
      } else if (req.url === '/forbidden') {
        res.writeHead(403);
        res.end('the upstream 403 page');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('app');
      }
    });
    // As ingress-nginx's images/custom-error-pages: the status is X-Code's, the body says which.
    errors = await startBackend('errors', (req, res) => {
      const code = Number(req.headers['x-code'] ?? 404);
      res.writeHead(Number.isInteger(code) && code >= 200 ? code : 404, { 'x-error-page': 'errors' });
      res.end(`error page ${req.headers['x-code']} for ${req.method} ${req.url}`);
    });
    globalErrors = await startBackend('global-errors', (_req, res) => {
      res.writeHead(418);
      res.end('global error page');
    });
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      ...serviceFor('apps', 'errors', [errors]),
      ...serviceFor('apps', 'global-errors', [globalErrors]),
      ...serviceFor('apps', 'nobody', []),
      withAnnotations(
        ingress('apps', 'pages', [{ host: 'pages.example', paths: [{ path: '/', service: 'app' }] }]),
        {
          [`${P}/custom-http-errors`]: '404, 503',
          [`${P}/default-backend`]: 'errors',
        },
      ),
      withAnnotations(
        ingress('apps', 'global', [{ host: 'global.example', paths: [{ path: '/', service: 'app' }] }]),
        { [`${P}/custom-http-errors`]: '404' },
      ),
      withAnnotations(
        ingress('apps', 'empty', [{ host: 'empty.example', paths: [{ path: '/', service: 'nobody' }] }]),
        { [`${P}/default-backend`]: 'errors' },
      ),
      ingress('apps', 'plain', [{ host: 'plain.example', paths: [{ path: '/', service: 'nobody' }] }]),
    ]);
    g = await startGatehouse(dir.dir, {
      workers: 2,
      args: ['--default-backend-service', 'apps/global-errors'],
    });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    await errors?.close();
    await globalErrors?.close();
    dir.cleanup();
  });

  it('a listed upstream status: the error backend gets every header, its page is relayed', async () => {
    errors.seen.length = 0;
    const res = await get(g, 'pages.example', '/missing/thing?q=1', {
      accept: 'application/json',
      'x-request-id': 'req-42',
    });
    assert.equal(res.status, 404, res.body);
    assert.equal(res.body, 'error page 404 for GET /');
    assert.equal(res.headers.get('x-error-page'), 'errors');
    assert.equal(res.headers.get('x-upstream'), null);
    assert.equal(errors.seen.length, 1);
    const h = errors.seen[0]!.headers;
    assert.deepEqual(
      {
        code: h['x-code'],
        format: h['x-format'],
        uri: h['x-original-uri'],
        namespace: h['x-namespace'],
        ingress: h['x-ingress-name'],
        service: h['x-service-name'],
        port: h['x-service-port'],
        id: h['x-request-id'],
        host: h.host,
      },
      {
        code: '404',
        format: 'application/json',
        uri: '/missing/thing?q=1',
        namespace: 'apps',
        ingress: 'pages',
        service: 'app',
        port: '80',
        id: 'req-42',
        host: 'pages.example',
      },
    );
  });

  it('every listed code, and a long upstream page, are replaced; an unlisted one is relayed', async () => {
    const unavailable = await get(g, 'pages.example', '/unavailable');
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.body, 'error page 503 for GET /');
    const long = await get(g, 'pages.example', '/long-404');
    assert.equal(long.status, 404);
    assert.equal(long.body, 'error page 404 for GET /');
    const forbidden = await get(g, 'pages.example', '/forbidden');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body, 'the upstream 403 page');
  });

  it('a 200 is relayed untouched and the error backend hears nothing', async () => {
    errors.seen.length = 0;
    const res = await get(g, 'pages.example', '/');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'app');
    assert.equal(errors.seen.length, 0);
  });

  it('without default-backend, --default-backend-service serves the page, with its own status (nginx error_page CODE = @…)', async () => {
    const res = await get(g, 'global.example', '/missing');
    assert.equal(res.status, 418);
    assert.equal(res.body, 'global error page');
    assert.equal(globalErrors.seen.at(-1)?.headers['x-ingress-name'], 'global');
  });

  it('a Service without endpoints: the request goes to the default-backend Service with X-Code 503', async () => {
    errors.seen.length = 0;
    const res = await get(g, 'empty.example', '/some/path?a=b');
    assert.equal(res.status, 503, res.body);
    assert.equal(res.body, 'error page 503 for GET /some/path?a=b');
    const h = errors.seen[0]!.headers;
    assert.equal(h['x-service-name'], 'nobody');
    assert.equal(h['x-ingress-name'], 'empty');
    // Without default-backend, nothing to fall back to: 503 from the proxy.
    assert.equal((await get(g, 'plain.example', '/')).status, 503);
  });
});
