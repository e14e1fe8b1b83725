// global-rate-limit through two Gatehouse instances sharing a real Redis (Debian's redis-server,
// scripts/install-redis.sh; `make integration` installs it): ingress-nginx v1.11 annotations.md
// #global-rate-limiting, test/e2e/annotations/globalratelimit.go (the limit holds across replicas,
// excess answered 429 — global-rate-limit-status-code). Then the store goes away: each replica
// counts alone, says so in a Warning, and counts the fallbacks in a metric.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { parseExposition, sampleValue } from '../metrics/exposition.ts';
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
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';
const LIMIT = 10;

describe('global rate limit across two instances through Redis', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let redis: ChildProcess | undefined;
  let a: Gatehouse;
  let b: Gatehouse;

  before(async () => {
    const port = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    app = await startBackend('app');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      // A window of a year: no window boundary falls inside the test.
      withAnnotations(
        ingress('apps', 'global', [{ host: 'global.example', paths: [{ path: '/', service: 'app' }] }]),
        {
          [`${P}/global-rate-limit`]: String(LIMIT),
          [`${P}/global-rate-limit-window`]: '8760h',
        },
      ),
    ]);
    const args = ['--rate-limit-store', `redis://127.0.0.1:${port}`, '--trusted-proxies', '127.0.0.1'];
    [a, b] = await Promise.all([
      startGatehouse(dir.dir, { workers: 1, args }),
      startGatehouse(dir.dir, { workers: 1, args }),
    ]);
    await Promise.all([a.waitReady(), b.waitReady()]);
    await waitFor(
      'both instances reach Redis',
      async () => (await storeUp(a)) === 1 && (await storeUp(b)) === 1,
    );
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    if (redis !== undefined && redis.exitCode === null && redis.signalCode === null) {
      redis.kill('SIGKILL');
      await once(redis, 'exit');
    }
    await app?.close();
    dir.cleanup();
  });

  async function samples(g: Gatehouse) {
    const res = await request(`http://127.0.0.1:${g.adminPort}/metrics`);
    return parseExposition(await res.body.text()).samples;
  }

  async function storeUp(g: Gatehouse): Promise<number | undefined> {
    return sampleValue(await samples(g), 'gatehouse_rate_limit_store_up');
  }

  async function status(g: Gatehouse, client: string): Promise<number> {
    const dispatcher = new Agent();
    try {
      const res = await request(g.url('/'), {
        headers: { host: 'global.example', 'x-forwarded-for': client },
        dispatcher,
      });
      await res.body.dump();
      return res.statusCode;
    } finally {
      await dispatcher.close();
    }
  }

  it('one budget for both instances: the limit in all, then 429', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      codes.push(await status(a, '192.0.2.1'));
      codes.push(await status(b, '192.0.2.1'));
    }
    assert.equal(codes.filter((c) => c === 200).length, LIMIT, `answers: ${codes}`);
    assert.equal(codes.filter((c) => c === 429).length, 16 - LIMIT);
    // Another client has a budget of its own.
    assert.equal(await status(b, '192.0.2.77'), 200);
    const denied = (g: Gatehouse) =>
      samples(g).then(
        (s) =>
          sampleValue(s, 'gatehouse_requests_denied_total', {
            namespace: 'apps',
            ingress: 'global',
            reason: 'global_rate_limit',
          }) ?? 0,
      );
    assert.equal((await denied(a)) + (await denied(b)), 16 - LIMIT);
  });

  it('without the store each instance counts alone, with a Warning and a metric', async () => {
    redis!.kill('SIGKILL');
    await once(redis!, 'exit');
    await waitFor('instance a sees the store gone', async () => (await storeUp(a)) === 0);
    const codes: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) codes.push(await status(a, '192.0.2.2'));
    assert.deepEqual(codes, [...Array(LIMIT).fill(200), 429, 429]);
    assert.match(a.output(), /rate-limit store unreachable/);
    assert.ok(
      (sampleValue(await samples(a), 'gatehouse_rate_limit_store_fallbacks_total') ?? 0) >= LIMIT + 2,
    );
  });
});
