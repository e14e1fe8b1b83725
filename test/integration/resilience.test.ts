// Resilience: retries around dead endpoints, outlier ejection, no retry of a request whose body
// was sent, per-route timeouts and the drain of an endpoint that leaves the table (one worker fed
// tables directly), and a rolling update under load (the whole binary, manifests edited).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import {
  type Backend,
  freePort,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  startBackend,
  startGatehouse,
  waitFor,
} from './harness.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';

async function send(
  w: TableWorker,
  method = 'GET',
  body?: string,
): Promise<{ status: number; backend: string; text: string }> {
  const res = await request(w.url('/'), { method: method as 'GET', headers: { host: 'app.test' }, body });
  const text = await res.body.text();
  return { status: res.statusCode, backend: String(res.headers['x-backend']), text };
}

/** A TCP endpoint that accepts and resets every connection: counts the connections it got. */
async function startResetter(): Promise<{ server: NetServer; port: number; connections: () => number }> {
  let n = 0;
  const server = createNetServer((socket) => {
    n++;
    socket.resetAndDestroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, connections: () => n };
}

describe('resilience through a worker', () => {
  const backends: Backend[] = [];
  /** Servers a test starts, closed even when its assertions fail (an open server keeps the run alive). */
  const extra: Array<{ close(): unknown }> = [];
  let w: TableWorker;

  before(async () => {
    for (let i = 0; i < 3; i++) backends.push(await startBackend(`b${i}`));
    w = await startTableWorker(oneRouteTable(localBackend([backends[0].port])));
  });

  after(async () => {
    await w?.stop();
    for (const b of backends) await b.close();
    for (const x of extra) await x.close();
  });

  it('an endpoint with nothing listening costs idempotent requests nothing: they are retried elsewhere', async () => {
    const dead = await freePort();
    await w.apply(oneRouteTable(localBackend([dead, backends[0].port, backends[1].port])));
    for (let i = 0; i < 30; i++) {
      const r = await send(w);
      assert.equal(r.status, 200, `request ${i}: ${r.text}`);
    }
  });

  it('an endpoint that resets connections is ejected after 5 consecutive failures, and retried around', async () => {
    const resetter = await startResetter();
    extra.push(resetter.server);
    const service = 'resetting';
    await w.apply(
      oneRouteTable(localBackend([resetter.port, backends[0].port, backends[1].port], { service })),
    );
    for (let i = 0; i < 40; i++) assert.equal((await send(w)).status, 200, `request ${i}`);
    const failures = resetter.connections();
    assert.ok(failures >= 5 && failures <= 6, `${failures} connections reached the resetting endpoint`);
    for (let i = 0; i < 20; i++) assert.equal((await send(w)).status, 200);
    assert.equal(resetter.connections(), failures, 'an ejected endpoint gets no requests');
    assert.equal(await w.metric('gatehouse_upstream_errors_total', { service, reason: 'ejected' }), 1);
    assert.equal(
      await w.metric('gatehouse_retries_total', { service }),
      failures,
      'each failure was retried',
    );
    assert.equal(await w.metric('gatehouse_upstream_errors_total', { service, reason: 'reset' }), failures);
  });

  it('a POST or PUT whose body was sent is never retried after a reset; a GET is retried once', async () => {
    let seen = 0;
    const dropAfterBody = async (name: string): Promise<Backend> =>
      startBackend(name, (req) => {
        req.resume();
        req.on('end', () => {
          seen++;
          req.socket.destroy();
        });
      });
    const droppers = [await dropAfterBody('d0'), await dropAfterBody('d1'), await dropAfterBody('d2')];
    extra.push(...droppers);
    await w.apply(oneRouteTable(localBackend(droppers.map((d) => d.port))));
    for (const method of ['POST', 'PUT']) {
      seen = 0;
      const r = await send(w, method, 'x'.repeat(1000));
      assert.equal(r.status, 502, method);
      assert.equal(seen, 1, `${method} reached ${seen} endpoints`);
    }
    seen = 0;
    assert.equal((await send(w, 'GET')).status, 502);
    assert.equal(seen, 2, 'GET: first attempt plus one retry (the default count)');
  });

  it('a route with more retry attempts tries that many endpoints', async () => {
    const dead = [await freePort(), await freePort(), await freePort()];
    await w.apply(
      oneRouteTable(localBackend([...dead, backends[2].port]), {
        retry: { attempts: 3, on: ['connect-failure'] },
      }),
    );
    for (let i = 0; i < 8; i++) assert.equal((await send(w)).status, 200, `request ${i}`);
    await w.apply(
      oneRouteTable(localBackend([...dead]), { retry: { attempts: 0, on: ['connect-failure'] } }),
    );
    assert.equal((await send(w)).status, 502, 'no endpoint alive: the failure is the answer');
  });

  it('a route that retries 503 sends idempotent requests elsewhere; by default a 503 is passed on', async () => {
    const busy = async (name: string): Promise<Backend> =>
      startBackend(name, (req, res) => {
        req.resume();
        res.writeHead(503, { 'x-backend': name });
        res.end('busy');
      });
    const pods = [await busy('busy0'), await busy('busy1'), await busy('busy2')];
    try {
      // A fresh busy endpoint per step: three 503s in a row would not eject it yet, but keep steps apart.
      const table = (pod: Backend, service: string, on?: Array<'503' | 'connect-failure'>) =>
        oneRouteTable(
          localBackend([pod.port, backends[0].port], { service }),
          on ? { retry: { attempts: 1, on } } : {},
        );
      await w.apply(table(pods[0], 'passes-503'));
      const plain = [await send(w), await send(w)];
      assert.deepEqual(
        plain.map((r) => r.status).sort(),
        [200, 503],
        'without the policy, the 503 reaches the client',
      );
      await w.apply(table(pods[1], 'retries-503', ['503', 'connect-failure']));
      for (let i = 0; i < 4; i++) {
        const r = await send(w);
        assert.deepEqual([r.status, r.backend], [200, 'b0'], `GET ${i}`);
      }
      await w.apply(table(pods[2], 'post-503', ['503', 'connect-failure']));
      const posts = [await send(w, 'POST', 'x'), await send(w, 'POST', 'x')];
      assert.deepEqual(posts.map((r) => r.status).sort(), [200, 503], 'a POST is not retried once answered');
    } finally {
      for (const pod of pods) await pod.close();
    }
  });

  it('responseHeaderMs answers 504 when the upstream is slower; idleMs cuts a stalled body', async () => {
    const stalling = await startBackend('stall', (req, res) => {
      if (req.url === '/late') {
        setTimeout(() => res.end('late'), 2000).unref();
        return;
      }
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
    });
    extra.push(stalling);
    await w.apply(
      oneRouteTable(localBackend([stalling.port]), { timeouts: { responseHeaderMs: 200, idleMs: 300 } }),
    );
    const started = performance.now();
    const late = await request(w.url('/late'), { headers: { host: 'app.test' } });
    await late.body.text();
    assert.equal(late.statusCode, 504);
    assert.ok(performance.now() - started < 1500);
    const stalled = await request(w.url('/'), { headers: { host: 'app.test' } });
    assert.equal(stalled.statusCode, 200);
    await assert.rejects(stalled.body.text());
  });

  it('an endpoint removed from the table finishes the request it is serving (drain)', async () => {
    let release: (() => void) | undefined;
    const leaving = await startBackend('leaving', (_req, res) => {
      release = () => {
        res.writeHead(200, { 'x-backend': 'leaving' });
        res.end('finished');
      };
    });
    extra.push(leaving);
    await w.apply(oneRouteTable(localBackend([leaving.port])));
    const inFlight = send(w);
    await waitFor('the request to reach the leaving endpoint', () => release !== undefined);
    await w.apply(oneRouteTable(localBackend([backends[0].port])));
    assert.equal((await send(w)).backend, 'b0', 'new requests go to the endpoints of the new table');
    release!();
    const r = await inFlight;
    assert.deepEqual([r.status, r.text], [200, 'finished']);
  });
});

describe('a rolling update under load', () => {
  const dir = new ManifestDir();
  const pods = new Map<string, Backend>();
  let g: Gatehouse | undefined;

  /** The Service and one EndpointSlice per pod, in the state a rollout step leaves them. */
  function publish(states: Array<[pod: string, state: 'ready' | 'terminating']>): void {
    const objects: object[] = [
      ingressClass(),
      ingress('shop', 'web', [{ host: 'shop.test', paths: [{ path: '/', service: 'web' }] }]),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
    ];
    for (const [pod, state] of states) {
      const ready = state === 'ready';
      objects.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `web-${pod}`, namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: pods.get(pod)!.port }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready, serving: true, terminating: !ready } }],
      });
    }
    dir.write('web.yaml', objects);
  }

  async function pod(name: string): Promise<Backend> {
    const b = await startBackend(name);
    pods.set(name, b);
    return b;
  }

  /** A pod's SIGTERM: it stops accepting, finishes what it serves, closes idle keep-alive connections. */
  function terminate(name: string): void {
    const server = pods.get(name)!.server;
    server.close();
    server.closeIdleConnections();
  }

  after(async () => {
    await g?.stop();
    for (const b of pods.values()) await b.close();
    dir.cleanup();
  });

  it('replacing every endpoint of a backend, one by one, fails no request of 4 busy clients', async () => {
    await pod('old-a');
    await pod('old-b');
    publish([
      ['old-a', 'ready'],
      ['old-b', 'ready'],
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();

    let stop = false;
    const failures: string[] = [];
    let ok = 0;
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) {
        try {
          const res = await request(g!.url('/'), { headers: { host: 'shop.test' } });
          const body = await res.body.text();
          if (res.statusCode === 200) ok++;
          else failures.push(`${res.statusCode} ${body.slice(0, 80)}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    });
    const servedBy = async (name: string): Promise<void> => {
      const from = pods.get(name)!.seen.length;
      await waitFor(`${name} to serve requests`, () => pods.get(name)!.seen.length >= from + 20);
    };

    try {
      await servedBy('old-a');
      // Surge: a new pod joins; then an old one turns terminating and shuts down right away (the
      // proxy may still route to it until it applies the new table: retries must cover that).
      await pod('new-c');
      publish([
        ['old-a', 'ready'],
        ['old-b', 'ready'],
        ['new-c', 'ready'],
      ]);
      await servedBy('new-c');
      publish([
        ['old-a', 'terminating'],
        ['old-b', 'ready'],
        ['new-c', 'ready'],
      ]);
      terminate('old-a');
      await pod('new-d');
      publish([
        ['old-b', 'ready'],
        ['new-c', 'ready'],
        ['new-d', 'ready'],
      ]);
      await servedBy('new-d');
      publish([
        ['old-b', 'terminating'],
        ['new-c', 'ready'],
        ['new-d', 'ready'],
      ]);
      terminate('old-b');
      publish([
        ['new-c', 'ready'],
        ['new-d', 'ready'],
      ]);
      await servedBy('new-c');
      await servedBy('new-d');
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    assert.deepEqual(failures, [], `${failures.length} failed of ${ok + failures.length}`);
    assert.ok(ok > 100, `only ${ok} requests made`);
  });
});
