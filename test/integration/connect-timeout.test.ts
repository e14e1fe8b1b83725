// A route's own connect timeout (`timeouts.connectMs`) against an endpoint whose TCP connect never
// completes: the client gets 504 once that timeout fires (nginx answers 504 on
// proxy_connect_timeout), and, as nothing was sent, the request moves on to another endpoint
// (nginx's `proxy_next_upstream error timeout`), whatever its method. undici checks connect
// timeouts on a ~0.5 s tick, so the answer comes between connectMs and about connectMs + 1 s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { defaultPoolOptions } from '../../dataplane/src/upstream/pools.ts';
import { type Backend, startBackend } from './harness.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';
import {
  startUnacceptedListener,
  type UnacceptedListener,
  unacceptedListenerUnsupported,
} from './unaccepted-listener.ts';

const CONNECT_MS = 300;
/** Far above CONNECT_MS: a 504 sooner than this cannot be the response-header timeout. */
const RESPONSE_HEADER_MS = 30_000;

async function send(
  w: TableWorker,
  method: 'GET' | 'POST' = 'GET',
  body?: string,
): Promise<{ status: number; backend: string; text: string; ms: number }> {
  const started = performance.now();
  const res = await request(w.url('/'), { method, headers: { host: 'app.test' }, body });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    backend: String(res.headers['x-backend']),
    text,
    ms: performance.now() - started,
  };
}

describe('per-route connect timeout', () => {
  /** Every listener a test made, closed (process killed by PID) even when an assertion fails. */
  const listeners: UnacceptedListener[] = [];
  let healthy: Backend;
  let w: TableWorker;

  // Its own listener per test: endpoint health is kept per address across tables, so failures
  // of one test must not eject the endpoint another test relies on.
  async function unaccepted(): Promise<number> {
    const listener = await startUnacceptedListener();
    listeners.push(listener);
    return listener.port;
  }

  before(async () => {
    const unsupported = unacceptedListenerUnsupported();
    if (unsupported !== undefined)
      throw new Error(`no never-completing connect on this machine: ${unsupported}`);
    healthy = await startBackend('healthy', (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        res.writeHead(200, { 'x-backend': 'healthy' });
        res.end(`${req.method} ${body}`);
      });
    });
    w = await startTableWorker(oneRouteTable(localBackend([healthy.port])));
  });

  after(async () => {
    await w?.stop();
    await healthy?.close();
    for (const l of listeners) await l.close();
  });

  it('an endpoint that never completes the TCP handshake answers 504 once connectMs has passed', async () => {
    const service = 'never-connects';
    await w.apply(
      oneRouteTable(localBackend([await unaccepted()], { service }), {
        timeouts: { connectMs: CONNECT_MS, responseHeaderMs: RESPONSE_HEADER_MS },
      }),
    );
    const r = await send(w);
    assert.equal(r.status, 504, r.text);
    assert.ok(r.ms >= CONNECT_MS, `answered after ${r.ms} ms, before the connect timeout`);
    // The route's value applies, not the pools' default connect timeout (nor the response timeout).
    assert.ok(
      r.ms < defaultPoolOptions.connectTimeoutMs,
      `answered after ${r.ms} ms: not the route's ${CONNECT_MS} ms`,
    );
    assert.equal(await w.metric('gatehouse_upstream_errors_total', { service, reason: 'timeout' }), 1);
    assert.equal(await w.metric('gatehouse_retries_total', { service }), 0, 'no other endpoint to try');
  });

  it('with a second, healthy endpoint a GET that met the connect timeout is retried there and succeeds', async () => {
    const service = 'one-never-connects';
    await w.apply(
      oneRouteTable(localBackend([await unaccepted(), healthy.port], { service }), {
        timeouts: { connectMs: CONNECT_MS, responseHeaderMs: RESPONSE_HEADER_MS },
      }),
    );
    // Round robin: of two requests in a row, at least one tries the unreachable endpoint first.
    for (let i = 0; i < 2; i++) {
      const r = await send(w);
      assert.deepEqual([r.status, r.backend, r.text], [200, 'healthy', 'GET '], `GET ${i}`);
      assert.ok(r.ms < defaultPoolOptions.connectTimeoutMs, `GET ${i} took ${r.ms} ms`);
    }
    const timeouts = await w.metric('gatehouse_upstream_errors_total', { service, reason: 'timeout' });
    assert.ok(timeouts >= 1, 'a request met the connect timeout');
    assert.equal(await w.metric('gatehouse_retries_total', { service }), timeouts, 'each one was retried');
  });

  it('a POST is retried after a connect timeout too: not a byte of it was sent', async () => {
    const service = 'post-never-connects';
    await w.apply(
      oneRouteTable(localBackend([await unaccepted(), healthy.port], { service }), {
        timeouts: { connectMs: CONNECT_MS, responseHeaderMs: RESPONSE_HEADER_MS },
      }),
    );
    const before = healthy.seen.length;
    for (let i = 0; i < 2; i++) {
      const r = await send(w, 'POST', `order-${i}`);
      assert.deepEqual([r.status, r.text], [200, `POST order-${i}`], `POST ${i}`);
    }
    assert.equal(healthy.seen.length - before, 2, 'each POST reached the healthy endpoint once');
    const timeouts = await w.metric('gatehouse_upstream_errors_total', { service, reason: 'timeout' });
    assert.ok(timeouts >= 1, 'a POST met the connect timeout');
    assert.equal(await w.metric('gatehouse_retries_total', { service }), timeouts);
  });
});
