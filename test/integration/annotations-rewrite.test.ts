// use-regex and rewrite-target through real workers: ingress-nginx's rewrite example
// (docs/examples/rewrite/README.md: `/something(/|$)(.*)` with `/$2`), the regex spreading to
// another Ingress's path of the host (ingress-path-matching.md), and a path regex built to
// backtrack answered while other requests flow (the worker runs user regexes on RE2).
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

describe('use-regex and rewrite-target through workers', () => {
  const dir = new ManifestDir();
  let api: Backend;
  let files: Backend;
  let g: Gatehouse;

  before(async () => {
    api = await startBackend('api');
    files = await startBackend('files');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'api', [api]),
      ...serviceFor('apps', 'files', [files]),
      withAnnotations(
        ingress('apps', 'api', [
          {
            host: 'rewrite.example',
            paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'api' }],
          },
          {
            host: 'redos.example',
            paths: [{ path: '/(a+)+$', pathType: 'ImplementationSpecific', service: 'api' }],
          },
        ]),
        { [`${P}/use-regex`]: 'true', [`${P}/rewrite-target`]: '/$2' },
      ),
      // No annotation of its own: its Prefix path becomes ^/static/ and ^/static on this host.
      ingress('apps', 'files', [{ host: 'rewrite.example', paths: [{ path: '/static', service: 'files' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await api?.close();
    await files?.close();
    dir.cleanup();
  });

  const rewrites: Array<[request: string, upstream: string]> = [
    ['/api/users?id=1', '/users?id=1'],
    ['/API/Users', '/Users'],
    ['/api', '/'],
    ['/api/', '/'],
    ['/api/a/b/c?x=1&y=2', '/a/b/c?x=1&y=2'],
  ];
  for (const [request, upstream] of rewrites) {
    it(`${request} reaches the backend as ${upstream}`, async () => {
      const before = api.seen.length;
      const res = await get(g, 'rewrite.example', request);
      assert.equal(res.status, 200, res.body);
      assert.equal(api.seen.length, before + 1);
      assert.equal(api.seen.at(-1)?.url, upstream);
    });
  }

  it("another Ingress's Prefix path on the host is a case-insensitive regex, not rewritten", async () => {
    for (const path of ['/static/app.js', '/STATIC/app.js', '/staticky']) {
      const before = files.seen.length;
      const res = await get(g, 'rewrite.example', path);
      assert.equal(res.status, 200, `${path}: ${res.body}`);
      assert.equal(files.seen.length, before + 1, path);
      assert.equal(files.seen.at(-1)?.url, path);
    }
  });

  it('/apixyz matches neither regex: (/|$) needs a slash or the end', async () => {
    const res = await get(g, 'rewrite.example', '/apixyz');
    assert.equal(res.status, 404, res.body);
  });

  it('a path built to backtrack ((a+)+$ on 4000 a and a !) is answered while other requests flow', async () => {
    const hostile = `/${'a'.repeat(4000)}!`;
    const [slow, normal] = await Promise.all([
      get(g, 'redos.example', hostile),
      get(g, 'rewrite.example', '/api/ping'),
    ]);
    assert.equal(slow.status, 404, slow.body);
    assert.equal(normal.status, 200, normal.body);
    // And a matching one is routed, with its capture-less rewrite (`/$2` of a one-group regex → `/`).
    const matching = await get(g, 'redos.example', `/${'a'.repeat(4000)}`);
    assert.equal(matching.status, 200, matching.body);
    assert.equal(api.seen.at(-1)?.url, '/');
  });
});
