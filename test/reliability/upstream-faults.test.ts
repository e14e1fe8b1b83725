// Upstream faults (issue 28, item 4): upstreams that refuse, reset, hang, drip or answer malformed
// HTTP. The client gets 502/504 (or a cut connection once headers were relayed), idempotent
// requests alone are retried and only where the route allows, no client connection outlives its
// timeout, and no process dies.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
  withAnnotations,
} from '../integration/harness.ts';
import { startLoad } from './load.ts';
import { adminMetric } from './processes.ts';
import { behaviours, type RawBackend, startRaw } from './raw-backends.ts';
import { report, scale } from './scale.ts';

/** Short timeouts so a hanging upstream costs the suite a second (ingress-nginx annotations, in seconds). */
const FAST = {
  'nginx.ingress.kubernetes.io/proxy-connect-timeout': '1',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '1',
};

type Name = keyof typeof behaviours | 'refuse' | 'resetBeforeHeadersNoRetry';

/** What the client sees: a status with a whole body, or `cut` once headers were relayed. */
interface Seen {
  get: string;
  post: string;
  getHits: number;
  postHits: number;
}

const CUT = '200 then cut';
/** Per upstream: what a GET and a POST get, and how many of each the upstream received (retries). */
const expected: Record<Name, Seen> = {
  refuse: { get: '502', post: '502', getHits: 0, postHits: 0 },
  // A GET is retried on the other endpoint (default: "error timeout"); a POST whose body was sent is not.
  resetBeforeHeaders: { get: '502', post: '502', getHits: 2, postHits: 1 },
  resetBeforeHeadersNoRetry: { get: '502', post: '502', getHits: 1, postHits: 1 },
  // Headers relayed: the only honest signal left is the cut connection.
  resetMidBody: { get: CUT, post: CUT, getHits: 1, postHits: 1 },
  // A response timeout is not retried (ingress-nginx's default would; see the annotation catalog).
  hang: { get: '504', post: '504', getHits: 1, postHits: 1 },
  stallMidBody: { get: CUT, post: CUT, getHits: 1, postHits: 1 },
  slowDrip: { get: '200 dddddddd', post: '200 dddddddd', getHits: 1, postHits: 1 },
  // An invalid response is nginx's "invalid_header": not in the default retry conditions.
  badStatusLine: { get: '502', post: '502', getHits: 1, postHits: 1 },
  notHttp: { get: '502', post: '502', getHits: 1, postHits: 1 },
  lengthShorter: { get: '200 hello', post: '200 hello', getHits: 1, postHits: 1 },
  lengthLonger: { get: CUT, post: CUT, getHits: 1, postHits: 1 },
  crInHeader: { get: '502', post: '502', getHits: 1, postHits: 1 },
  lfInHeader: { get: '502', post: '502', getHits: 1, postHits: 1 },
  nulInHeader: { get: '502', post: '502', getHits: 1, postHits: 1 },
  // undici takes an unasked-for 100 as a broken connection (retried like a reset)…
  endless100: { get: '502', post: '502', getHits: 2, postHits: 1 },
  // …and skips other 1xx, restarting its headers timeout on each: the route's timeout must still end it.
  endless103: { get: '504', post: '504', getHits: 1, postHits: 1 },
  lengthAndChunked: { get: '502', post: '502', getHits: 1, postHits: 1 },
};

async function exchange(
  g: Gatehouse,
  host: string,
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  dispatcher: Agent,
): Promise<string> {
  try {
    const res = await request(g.url('/'), {
      method,
      headers: { host },
      body: method === 'POST' ? 'x'.repeat(100) : undefined,
      dispatcher,
    });
    try {
      const body = await res.body.text();
      return `${res.statusCode}${res.statusCode === 200 ? ` ${body}` : ''}`;
    } catch {
      return `${res.statusCode} then cut`;
    }
  } catch (error) {
    return `no answer: ${(error as { code?: string }).code ?? String(error)}`;
  }
}

describe('upstream faults', () => {
  const dir = new ManifestDir();
  const backends = new Map<Name, RawBackend>();
  // Fails the test, rather than hanging it, if Gatehouse held a client past its own timeouts.
  const client = new Agent({ headersTimeout: 10_000, bodyTimeout: 10_000 });
  let g: Gatehouse;
  let workers: number[];
  let healthy: Backend;
  let resetter: RawBackend;

  const names = Object.keys(expected) as Name[];
  const hostOf = (name: Name): string => `${name.toLowerCase()}.test`;

  before(async () => {
    const objects: object[] = [ingressClass()];
    for (const name of names) {
      const behaviour =
        name === 'resetBeforeHeadersNoRetry'
          ? behaviours.resetBeforeHeaders
          : name === 'refuse'
            ? 'refuse'
            : behaviours[name];
      const raw = await startRaw(behaviour);
      backends.set(name, raw);
      const svc = name.toLowerCase();
      const annotations =
        name === 'resetBeforeHeadersNoRetry'
          ? { ...FAST, 'nginx.ingress.kubernetes.io/proxy-next-upstream': 'off' }
          : FAST;
      objects.push(
        withAnnotations(
          ingress('faults', svc, [{ host: hostOf(name), paths: [{ path: '/', service: svc }] }]),
          annotations,
        ),
        ...serviceFor(
          'faults',
          svc,
          raw.ports.map((port) => ({ port })),
        ),
      );
    }
    // One resetting endpoint beside a healthy one: passive ejection (upstream/outlier.ts).
    healthy = await startBackend('healthy');
    resetter = await startRaw(behaviours.resetBeforeHeaders, 1);
    objects.push(
      withAnnotations(
        ingress('faults', 'eject', [{ host: 'eject.test', paths: [{ path: '/', service: 'eject' }] }]),
        FAST,
      ),
      ...serviceFor('faults', 'eject', [{ port: resetter.ports[0] }, healthy]),
    );
    // A route mirrored to the endless-1xx upstream: the copy must end too, or it pins a mirror slot.
    objects.push(
      withAnnotations(
        ingress('faults', 'mirrored', [{ host: 'mirrored.test', paths: [{ path: '/', service: 'eject' }] }]),
        {
          ...FAST,
          'nginx.ingress.kubernetes.io/mirror-target':
            'http://endless103.faults.svc.cluster.local$request_uri',
        },
      ),
    );
    dir.write('faults.yaml', objects);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
    workers = g.workerPids().sort();
  });

  after(async () => {
    await g?.stop();
    for (const b of backends.values()) await b.close();
    await healthy?.close();
    await resetter?.close();
    await client.close();
    dir.cleanup();
  });

  it('each misbehaving upstream gets the right answer, retried only where safe and allowed', async (t) => {
    const seen: Record<string, Seen> = {};
    for (const name of names) {
      const raw = backends.get(name)!;
      const get = await exchange(g, hostOf(name), 'GET', client);
      const post = await exchange(g, hostOf(name), 'POST', client);
      seen[name] = { get, post, getHits: raw.hits.GET ?? 0, postHits: raw.hits.POST ?? 0 };
    }
    report(
      t,
      'upstream faults (what a GET / a POST got)',
      names.map((n) => `${n}: ${seen[n].get} / ${seen[n].post}`).join('; '),
    );
    assert.deepEqual(seen, expected);
    // The method decides, not whether a body was sent: DELETE is idempotent (RFC 9110 §9.2.2), PATCH is not.
    const resetting = backends.get('resetBeforeHeaders')!;
    const other = [await exchange(g, hostOf('resetBeforeHeaders'), 'DELETE', client)];
    other.push(await exchange(g, hostOf('resetBeforeHeaders'), 'PATCH', client));
    assert.deepEqual(other, ['502', '502']);
    assert.deepEqual(
      [resetting.hits.DELETE, resetting.hits.PATCH],
      [2, 1],
      'DELETE retried once, PATCH never',
    );
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });

  it('an endpoint that keeps resetting is ejected and its GETs retried: every client request succeeds', async (t) => {
    const requests = 40;
    const statuses: number[] = [];
    for (let i = 0; i < requests; i++) {
      const res = await request(g.url('/'), { headers: { host: 'eject.test' }, dispatcher: client });
      await res.body.text();
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, Array(requests).fill(200));
    const ejections = await adminMetric(g, 'gatehouse_upstream_errors_total', {
      service: 'eject',
      reason: 'ejected',
    });
    assert.ok(ejections >= 1, 'the resetting endpoint was ejected');
    // Five failures in a row eject it, per worker (each keeps its own view).
    const reached = resetter.hits.GET ?? 0;
    assert.ok(reached <= 2 * 6, `${reached} requests reached the resetting endpoint`);
    report(
      t,
      `ejection: requests reaching the resetting endpoint of ${requests}`,
      `${reached} (ejections: ${ejections})`,
    );
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });

  it('an upgrade or a mirrored copy to an upstream sending 1xx forever ends at the route timeout too', async (t) => {
    // The upgrade: the client gets a 504 status line, not a connection held open.
    const socket = connect(g.httpPort, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy());
    socket.write(
      'GET / HTTP/1.1\r\nHost: endless103.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    let head = '';
    try {
      for await (const chunk of socket) {
        head += chunk.toString('latin1');
        if (head.includes('\r\n')) break;
      }
    } catch {
      // Cut by the client's own timeout: `head` says what arrived, if anything.
    }
    socket.destroy();
    assert.match(head, /^HTTP\/1\.1 504 /, 'the upgrade is answered 504');
    // The copy: the client has its answer at once; the copy is counted as failed once the timeout passes.
    const res = await request(g.url('/'), { headers: { host: 'mirrored.test' }, dispatcher: client });
    await res.body.text();
    assert.equal(res.statusCode, 200);
    await waitFor(
      'the mirrored copy to end',
      async () =>
        (await adminMetric(g, 'gatehouse_mirror_requests_total', {
          ingress: 'mirrored',
          outcome: 'error',
        })) >= 1,
      10_000,
      100,
    );
    report(t, 'endless 1xx: upgrade answered', head.split('\r\n')[0]);
  });

  it('under concurrent load, every request to a hanging or endlessly-interim upstream ends with a 504', async (t) => {
    for (const name of ['hang', 'endless103'] as const) {
      const size = scale === 'full' ? { concurrency: 32, requests: 128 } : { concurrency: 8, requests: 16 };
      const result = await startLoad({ port: g.httpPort, host: hostOf(name), deadlineMs: 30_000, ...size })
        .result;
      assert.deepEqual(result.outcomes, { 'status:504': size.requests }, name);
      report(
        t,
        `${name}: ${size.requests} requests at concurrency ${size.concurrency}`,
        `${JSON.stringify(result.outcomes)} in ${result.durationMs} ms`,
      );
    }
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });
});
