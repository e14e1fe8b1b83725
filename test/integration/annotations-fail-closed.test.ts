// Fail closed through real workers: an Ingress relying on an ingress-nginx access annotation that
// Gatehouse cannot honour (auth-snippet) answers 503, never its backend, while other Ingresses serve.
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

describe('ingress-nginx access annotations fail closed', () => {
  const dir = new ManifestDir();
  let secret: Backend;
  let open: Backend;
  let g: Gatehouse;

  before(async () => {
    secret = await startBackend('secret');
    open = await startBackend('open');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'secret', [secret]),
      ...serviceFor('apps', 'open', [open]),
      withAnnotations(
        ingress('apps', 'guarded', [{ host: 'guarded.example', paths: [{ path: '/', service: 'secret' }] }]),
        {
          'nginx.ingress.kubernetes.io/auth-snippet': 'deny all;',
        },
      ),
      withAnnotations(
        ingress('apps', 'public', [{ host: 'public.example', paths: [{ path: '/', service: 'open' }] }]),
        {
          'nginx.ingress.kubernetes.io/rewrite-target': '/',
        },
      ),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await secret?.close();
    await open?.close();
    dir.cleanup();
  });

  it('the auth-snippet Ingress answers 503 and its backend never sees a request', async () => {
    for (const path of ['/', '/admin', '/anything?x=1']) {
      const res = await get(g, 'guarded.example', path);
      assert.equal(res.status, 503, `${path}: ${res.body}`);
    }
    assert.equal(secret.seen.length, 0);
  });

  it('the other Ingress keeps serving 200, its pending non-restricting annotation only warned about', async () => {
    const res = await get(g, 'public.example', '/');
    assert.equal(res.status, 200);
    assert.equal(res.json().backend, 'open');
  });

  it('the diagnostics reach the log', () => {
    assert.match(g.output(), /AccessAnnotationNotHonoured/);
    assert.match(g.output(), /UnsupportedAnnotation/);
  });
});
