// Canary Ingresses through real workers (ingress-nginx annotations.md#canary): a header, a cookie
// and a weight send requests to the canary's Service, the rest to the main Ingress's Service.
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

/** A main Ingress and its canary for `host`, the canary carrying `annotations`. */
function pair(host: string, annotations: Record<string, string>): object[] {
  const name = host.split('.')[0];
  return [
    ingress('apps', `${name}-main`, [{ host, paths: [{ path: '/', service: 'main' }] }]),
    withAnnotations(
      ingress('apps', `${name}-canary`, [{ host, paths: [{ path: '/', service: 'canary' }] }]),
      {
        [`${P}/canary`]: 'true',
        ...annotations,
      },
    ),
  ];
}

/** [lo, hi] holding `level` of Binomial(n, p)'s mass, equal tails, from its exact CDF. */
function binomialInterval(n: number, p: number, level: number): [number, number] {
  const tail = (1 - level) / 2;
  const logChoose = (k: number) => {
    let s = 0;
    for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
    return s;
  };
  const pmf = (k: number) => Math.exp(logChoose(k) + k * Math.log(p) + (n - k) * Math.log(1 - p));
  let lo = 0;
  for (let cdf = pmf(0); cdf < tail; cdf += pmf(++lo));
  let hi = n;
  for (let upper = pmf(n); upper < tail; upper += pmf(--hi));
  return [lo, hi];
}

describe('canary Ingresses through real workers', () => {
  const dir = new ManifestDir();
  let main: Backend;
  let canary: Backend;
  let g: Gatehouse;

  const backendOf = async (host: string, headers: Record<string, string> = {}) => {
    const res = await get(g, host, '/', headers);
    assert.equal(res.status, 200, res.body);
    return res.json().backend as string;
  };

  before(async () => {
    main = await startBackend('main');
    canary = await startBackend('canary');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'main', [main]),
      ...serviceFor('apps', 'canary', [canary]),
      ...pair('header.example', {
        [`${P}/canary-by-header`]: 'X-Canary',
        [`${P}/canary-by-cookie`]: 'canary_cookie',
        [`${P}/canary-weight`]: '100',
      }),
      ...pair('w30.example', { [`${P}/canary-weight`]: '30' }),
      ...pair('w0.example', { [`${P}/canary-weight`]: '0' }),
      ...pair('w100.example', { [`${P}/canary-weight`]: '100' }),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await main?.close();
    await canary?.close();
    dir.cleanup();
  });

  it('canary-by-header: "always" reaches the canary, "never" the main even at weight 100', async () => {
    assert.equal(await backendOf('header.example', { 'x-canary': 'always' }), 'canary');
    assert.equal(await backendOf('header.example', { 'x-canary': 'never' }), 'main');
    assert.equal(
      await backendOf('header.example', { 'x-canary': 'never', cookie: 'canary_cookie=always' }),
      'main',
    );
  });

  it('canary-by-cookie: "never" pins the main backend, other header values fall through to it', async () => {
    assert.equal(await backendOf('header.example', { cookie: 'a=1; canary_cookie=never' }), 'main');
    assert.equal(
      await backendOf('header.example', { 'x-canary': 'maybe', cookie: 'canary_cookie=never' }),
      'main',
    );
    assert.equal(await backendOf('header.example', { 'x-canary': 'maybe' }), 'canary');
  });

  it('canary-weight 0 and 100 are exact', async () => {
    for (let i = 0; i < 40; i++) {
      assert.equal(await backendOf('w0.example'), 'main');
      assert.equal(await backendOf('w100.example'), 'canary');
    }
  });

  it('canary-weight 30 over 400 requests lands within the binomial 99.9% interval', async () => {
    const n = 400;
    const [lo, hi] = binomialInterval(n, 0.3, 0.999);
    let toCanary = 0;
    for (let i = 0; i < n; i++) if ((await backendOf('w30.example')) === 'canary') toCanary++;
    assert.ok(
      toCanary >= lo && toCanary <= hi,
      `${toCanary} of ${n} reached the canary, outside [${lo}, ${hi}]`,
    );
  });
});
