// custom-headers through real workers, in standalone mode: the ConfigMap's headers are on the
// answer (ingress-nginx test/e2e/annotations/customheaders.go), follow the ConfigMap when its
// manifest is rewritten, and a header outside --global-allowed-response-headers denies the routes
// (503) while another Ingress keeps serving.
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
  waitFor,
  withAnnotations,
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';

function configMap(data: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'custom-headers', namespace: 'apps' },
    data,
  };
}

describe('custom-headers through workers', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      withAnnotations(
        ingress('apps', 'headers', [{ host: 'ch.example', paths: [{ path: '/', service: 'app' }] }]),
        { [`${P}/custom-headers`]: 'apps/custom-headers' },
      ),
      ingress('apps', 'plain', [{ host: 'plain.example', paths: [{ path: '/', service: 'app' }] }]),
    ]);
    dir.write('configmap.yaml', [
      configMap({ 'My-Custom-Header': '42', 'My-Custom-Header-Dollar': '$remote_addr' }),
    ]);
    g = await startGatehouse(dir.dir, {
      workers: 2,
      args: ['--global-allowed-response-headers', 'My-Custom-Header,My-Custom-Header-Dollar,X-Second'],
    });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    dir.cleanup();
  });

  it("every answer carries the ConfigMap's headers, nginx variables kept as text", async () => {
    // Both workers: each request may land on either.
    for (let i = 0; i < 4; i++) {
      const res = await get(g, 'ch.example', '/');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('my-custom-header'), '42');
      assert.equal(res.headers.get('my-custom-header-dollar'), '$remote_addr');
    }
    const plain = await get(g, 'plain.example', '/');
    assert.equal(plain.headers.get('my-custom-header'), null);
  });

  it('a rewritten ConfigMap changes the headers without touching the Ingress', async () => {
    dir.write('configmap.yaml', [configMap({ 'My-Custom-Header': '43', 'X-Second': 'yes' })]);
    await waitFor('the new headers on every worker', async () => {
      for (let i = 0; i < 4; i++) {
        const res = await get(g, 'ch.example', '/');
        if (res.headers.get('my-custom-header') !== '43' || res.headers.get('x-second') !== 'yes')
          return false;
        if (res.headers.get('my-custom-header-dollar') !== null) return false;
      }
      return true;
    });
  });

  it('a header outside the allowlist answers 503; another Ingress keeps serving', async () => {
    dir.write('configmap.yaml', [configMap({ 'My-Custom-Header': '44', 'X-Not-Allowed': '1' })]);
    await waitFor('the Ingress denied', async () => (await get(g, 'ch.example', '/')).status === 503);
    assert.equal((await get(g, 'plain.example', '/')).status, 200);
    assert.match(g.output(), /X-Not-Allowed is not in --global-allowed-response-headers/);
  });

  it('the ConfigMap removed: still 503; restored: served with its headers again', async () => {
    dir.remove('configmap.yaml');
    await waitFor('missing ConfigMap logged', async () =>
      /ConfigMap apps\/custom-headers not found/.test(g.output()),
    );
    assert.equal((await get(g, 'ch.example', '/')).status, 503);
    dir.write('configmap.yaml', [configMap({ 'My-Custom-Header': '45' })]);
    await waitFor('served again', async () => {
      const res = await get(g, 'ch.example', '/');
      return res.status === 200 && res.headers.get('my-custom-header') === '45';
    });
  });
});
