// Config churn under load (issue 28, item 1): Ingresses added and removed, another Service's
// endpoints churned and a TLS Secret rotated, one change after another (each waited for on
// /readyz's served version, never slept on), while bounded load runs on routes the changes leave
// alone and WebSockets stay open on another: no request fails, every WebSocket still echoes.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
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
  withTls,
} from '../integration/harness.ts';
import { tlsSecret } from '../integration/tls-objects.ts';
import { type EchoServer, startEchoServer } from '../integration/ws-echo.ts';
import { startLoad } from './load.ts';
import { newerVersion, servedVersion } from './processes.ts';
import { churnSize, report } from './scale.ts';

const APP = 'app.test';
const SECURE = 'secure.test';
const CHANGE_KINDS = ['add Ingress', 'endpoints', 'remove Ingress', 'rotate Secret'] as const;

/** A WebSocket whose echoes are queued; `closed` turns true if it ever closes. */
async function openSocket(
  url: string,
): Promise<{ ws: WebSocket; next(): Promise<unknown>; closed(): boolean }> {
  const ws = new WebSocket(url);
  const queue: unknown[] = [];
  let closed = false;
  ws.addEventListener('message', (event) => queue.push(event.data));
  ws.addEventListener('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  return { ws, next: () => waitFor('a WebSocket echo', () => queue.shift()), closed: () => closed };
}

/** The fingerprint of the certificate served for `servername` on the HTTPS port. */
async function servedCertificate(g: Gatehouse, servername: string): Promise<string> {
  const socket = tlsConnect({ host: '127.0.0.1', port: g.httpsPort, servername, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
  socket.destroy();
  return fingerprint;
}

describe('config churn under load', () => {
  const dir = new ManifestDir();
  const certificates = [
    selfSignedCertificate({ dnsNames: [SECURE] }),
    selfSignedCertificate({ dnsNames: [SECURE] }),
  ];
  let app: Backend;
  let churnA: Backend;
  let churnB: Backend;
  let echo: EchoServer;
  let g: Gatehouse;

  before(async () => {
    app = await startBackend('app');
    churnA = await startBackend('churn-a');
    churnB = await startBackend('churn-b');
    echo = await startEchoServer();
    dir.write('base.yaml', [
      ingressClass(),
      ...serviceFor('default', 'app', [app]),
      ingress('default', 'app', [{ host: APP, paths: [{ path: '/', service: 'app' }] }]),
      ...serviceFor('default', 'echo', [echo]),
      ingress('default', 'echo', [{ paths: [{ path: '/ws', service: 'echo' }] }]),
      ingress('default', 'churn', [{ host: 'churn.test', paths: [{ path: '/', service: 'churn' }] }]),
      withTls(
        ingress('default', 'secure', [{ host: SECURE, paths: [{ path: '/', service: 'app' }] }]),
        [SECURE],
        'secure-tls',
      ),
    ]);
    dir.write('churn-endpoints.yaml', serviceFor('default', 'churn', [churnA]));
    dir.write('secret.yaml', [tlsSecret('default', 'secure-tls', certificates[0])]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await Promise.all([app?.close(), churnA?.close(), churnB?.close(), echo?.close()]);
    dir.cleanup();
  });

  it(`${churnSize.changes} changes: 0 failed requests on untouched routes, ${churnSize.websockets} WebSockets all survive`, async (t) => {
    const sockets = await Promise.all(
      Array.from({ length: churnSize.websockets }, (_, i) =>
        openSocket(`ws://127.0.0.1:${g.httpPort}/ws/${i}`),
      ),
    );
    for (const [i, s] of sockets.entries()) {
      s.ws.send(`before ${i}`);
      assert.equal(await s.next(), `before ${i}`);
    }
    const load = startLoad({ port: g.httpPort, host: APP, ...churnSize });
    t.after(() => load.stop());
    await waitFor('load to run on every connection', () => load.clients.every((c) => c.ok > 0));

    const started = performance.now();
    const servedInWindow: number[] = [];
    const added: number[] = [];
    let nextExtra = 0;
    let version = (await servedVersion(g)) ?? 0;
    let certificate = 0;
    let endpointSet = 0;
    for (let i = 0; i < churnSize.changes; i++) {
      const answeredBefore = load.done();
      switch (CHANGE_KINDS[i % CHANGE_KINDS.length]) {
        case 'add Ingress': {
          const n = nextExtra++;
          added.push(n);
          dir.write(`extra-${n}.yaml`, [
            ingress('default', `extra-${n}`, [
              { host: `extra-${n}.test`, paths: [{ path: '/', service: 'app' }] },
            ]),
          ]);
          break;
        }
        case 'remove Ingress':
          dir.remove(`extra-${added.shift()}.yaml`);
          break;
        case 'endpoints': {
          // Another Service's endpoints: one, both, the other one, both…
          endpointSet = (endpointSet + 1) % 3;
          const set = [[churnA], [churnA, churnB], [churnB]][endpointSet];
          dir.write('churn-endpoints.yaml', serviceFor('default', 'churn', set));
          break;
        }
        case 'rotate Secret':
          certificate = 1 - certificate;
          dir.write('secret.yaml', [tlsSecret('default', 'secure-tls', certificates[certificate])]);
          break;
      }
      version = await newerVersion(g, version);
      servedInWindow.push(load.done() - answeredBefore);
    }
    const churnMs = Math.round(performance.now() - started);
    load.stop();
    const result = await load.result;

    // The changes took effect: the last added Ingress serves, a removed one is gone, the Secret rotated.
    if (added.length > 0) assert.equal((await get(g, `extra-${added.at(-1)}.test`, '/')).status, 200);
    assert.equal((await get(g, 'extra-0.test', '/')).status, 404);
    assert.equal(
      await servedCertificate(g, SECURE),
      new X509Certificate(certificates[certificate].certPem).fingerprint256,
    );

    assert.equal(result.failed, 0, `failed requests: ${JSON.stringify(result.outcomes)}`);
    assert.ok(!result.hitDeadline, 'the load ran until the changes were done');
    assert.deepEqual(
      servedInWindow.flatMap((n, i) => (n > 0 ? [] : [i])),
      [],
      'at least one request answered during every change window',
    );
    assert.deepEqual(
      sockets.flatMap((s, i) => (s.closed() ? [i] : [])),
      [],
      'no WebSocket was closed by a change',
    );
    for (const [i, s] of sockets.entries()) {
      s.ws.send(`after ${i}`);
      assert.equal(await s.next(), `after ${i}`);
    }
    for (const s of sockets) s.ws.close(1000);

    report(t, `config churn: changes applied (${CHANGE_KINDS.join(', ')} in turn)`, churnSize.changes);
    report(t, 'config churn: ms for all changes, each waited for on /readyz', churnMs);
    report(
      t,
      `config churn: requests at concurrency ${churnSize.concurrency} on untouched routes`,
      `${result.sent} sent, ${result.failed} failed ${JSON.stringify(result.outcomes)}`,
    );
    report(
      t,
      'config churn: requests answered per change window (min / median)',
      `${Math.min(...servedInWindow)} / ${servedInWindow.toSorted((a, b) => a - b)[servedInWindow.length >> 1]}`,
    );
    report(t, 'config churn: WebSockets open through every change, echoing after', sockets.length);
  });
});
