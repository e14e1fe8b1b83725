// configuration-snippet / server-snippet through real workers (ingress-nginx
// annotations.md#configuration-snippet, #server-snippet): with --allow-snippet-annotations the
// translated directives act on real requests; without it a snippet is ignored, and one naming
// allow/deny closes its Ingress (503) instead of serving it open.
import assert from 'node:assert/strict';
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

async function send(g: Gatehouse, host: string, path: string) {
  const res = await request(g.url(path), { headers: { host } });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

function objects(app: Backend): object[] {
  const snippet = (name: string, host: string, key: string, text: string) =>
    withAnnotations(ingress('apps', name, [{ host, paths: [{ path: '/', service: 'app' }] }]), {
      [`${P}/${key}`]: text,
    });
  return [
    ingressClass(),
    ...serviceFor('apps', 'app', [app]),
    snippet(
      'headers',
      'headers.example',
      'configuration-snippet',
      'more_set_headers "X-Snippet: on";\nproxy_set_header X-Tenant blue;\nmore_clear_headers X-Backend;',
    ),
    snippet('forbid', 'forbid.example', 'server-snippet', 'return 403;'),
    snippet(
      'statuses',
      'statuses.example',
      'configuration-snippet',
      'add_header X-Success yes;\nadd_header X-Always yes always;\nexpires 1h;',
    ),
    snippet(
      'text',
      'text.example',
      'configuration-snippet',
      'return 200 "maintenance: back soon";\nadd_header Retry-After 120;',
    ),
    snippet('rewrite', 'rewrite.example', 'configuration-snippet', 'rewrite ^/old/(.*)$ /new/$1 break;'),
    snippet(
      'moved',
      'moved.example',
      'configuration-snippet',
      'rewrite ^/old/(.*)$ /new/$1 permanent;\nadd_header X-Moved-By snippet;',
    ),
    snippet('denied', 'denied.example', 'configuration-snippet', 'allow 192.0.2.0/24;\ndeny all;'),
  ];
}

describe('snippets through workers, with --allow-snippet-annotations', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let g: Gatehouse;

  before(async () => {
    // /missing answers 404, everything else the harness's JSON echo.
    app = await startBackend('app', (req, res) => {
      const status = req.url?.startsWith('/missing') ? 404 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-backend': 'app' });
      res.end(JSON.stringify({ backend: 'app', path: req.url, headers: req.headers }));
    });
    dir.write('objects.yaml', objects(app));
    g = await startGatehouse(dir.dir, { workers: 2, args: ['--allow-snippet-annotations'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    dir.cleanup();
  });

  it('more_set_headers reaches the client, proxy_set_header the backend, more_clear_headers removes', async () => {
    const res = await send(g, 'headers.example', '/x');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-snippet'], 'on');
    assert.equal(res.headers['x-backend'], undefined);
    assert.equal(JSON.parse(res.body).headers['x-tenant'], 'blue');
  });

  it('add_header and expires only on success statuses; add_header … always on every status (nginx headers filter)', async () => {
    const ok = await send(g, 'statuses.example', '/');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-success'], 'yes');
    assert.equal(ok.headers['x-always'], 'yes');
    assert.equal(ok.headers['cache-control'], 'max-age=3600');
    const missing = await send(g, 'statuses.example', '/missing');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-success'], undefined);
    assert.equal(missing.headers['cache-control'], undefined);
    assert.equal(missing.headers['x-always'], 'yes');
  });

  it('return 403 (server-snippet) answers 403 itself; the backend sees nothing', async () => {
    const before = app.seen.length;
    const res = await send(g, 'forbid.example', '/anything');
    assert.equal(res.status, 403);
    assert.equal(res.headers.server, 'gatehouse');
    assert.equal(app.seen.length, before);
  });

  it('return 200 "text" answers the text as text/plain, with the snippet\'s add_header', async () => {
    const res = await send(g, 'text.example', '/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['retry-after'], '120');
    assert.equal(res.body, 'maintenance: back soon');
    assert.match(String(res.headers['content-type']), /^text\/plain/);
  });

  it('rewrite … break: the backend gets the new path and the query; a path the regex misses is kept', async () => {
    assert.equal(JSON.parse((await send(g, 'rewrite.example', '/old/a/b?q=1')).body).path, '/new/a/b?q=1');
    assert.equal(JSON.parse((await send(g, 'rewrite.example', '/other')).body).path, '/other');
  });

  it('rewrite … permanent: 301 to the substituted path where the regex matches, proxied elsewhere', async () => {
    const moved = await send(g, 'moved.example', '/old/x?y=2');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, 'http://moved.example/new/x?y=2');
    // add_header applies to a 301 (one of nginx's success statuses), on the redirect too.
    assert.equal(moved.headers['x-moved-by'], 'snippet');
    const kept = await send(g, 'moved.example', '/keep');
    assert.equal(kept.status, 200);
    assert.equal(JSON.parse(kept.body).path, '/keep');
  });
});

describe('snippets through workers, without --allow-snippet-annotations (the default)', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    dir.write('objects.yaml', objects(app));
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    dir.cleanup();
  });

  it('a header snippet is ignored: the backend answers as it would without it', async () => {
    const res = await send(g, 'headers.example', '/x');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-snippet'], undefined);
    assert.equal(res.headers['x-backend'], 'app');
    assert.equal(JSON.parse(res.body).headers['x-tenant'], undefined);
  });

  it('a snippet with allow/deny is never served open: 503', async () => {
    const res = await send(g, 'denied.example', '/');
    assert.equal(res.status, 503);
  });
});
