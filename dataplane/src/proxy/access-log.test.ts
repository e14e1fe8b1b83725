import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CompiledRoute } from '../compile.ts';
import type { UpstreamEndpoint } from '../upstream/balancer.ts';
import { AccessLog, accessLogFields } from './access-log.ts';
import type { ClientView } from './forwarding.ts';
import type { ExchangeEnd } from './observer.ts';

function exchange(fields: Partial<ExchangeEnd> = {}): ExchangeEnd {
  const req = {
    method: 'POST',
    url: '/cart/items?token=secret',
    httpVersion: '1.1',
    headers: { host: 'shop.test:8080', 'x-request-id': 'from-client' },
    socket: { remoteAddress: '::ffff:10.0.0.9' },
  };
  return {
    req: req as unknown as IncomingMessage,
    res: undefined,
    route: undefined,
    backend: undefined,
    endpoint: undefined,
    status: 201,
    startedAt: 1000,
    upstreamStartedAt: 0,
    upstreamEndedAt: 0,
    view: undefined,
    traceparent: undefined,
    error: undefined,
    refusal: undefined,
    ...fields,
  };
}

async function lines(write: (log: AccessLog) => void, sampleRate = 1): Promise<Record<string, unknown>[]> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const log = new AccessLog({ sampleRate, stream });
  write(log);
  await new Promise((r) => setImmediate(r));
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('access log', () => {
  it('a forwarded request logs what the proxy believed: client, request id, trace, upstream', async () => {
    const view = { address: '203.0.113.7', requestId: 'generated-id' } as ClientView;
    const route = {
      route: { source: { kind: 'Ingress', namespace: 'team', name: 'shop' } },
      series: undefined,
    } as unknown as CompiledRoute;
    const [line] = await lines((log) =>
      log.write(
        exchange({
          view,
          route,
          endpoint: { origin: 'http://10.1.2.3:8080' } as UpstreamEndpoint,
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          upstreamStartedAt: 1002,
          upstreamEndedAt: 1010.5,
        }),
        1012,
        300,
        90,
      ),
    );
    assert.deepEqual(Object.keys(line).sort(), [
      'bytes_in',
      'bytes_out',
      'client',
      'duration',
      'host',
      'ingress',
      'method',
      'namespace',
      'path',
      'protocol',
      'request_id',
      'service',
      'status',
      'time',
      'trace_id',
      'upstream',
      'upstream_duration',
    ]);
    assert.equal(line.client, '203.0.113.7');
    assert.equal(line.request_id, 'generated-id');
    assert.equal(line.trace_id, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(line.upstream, '10.1.2.3:8080');
    assert.equal(line.duration, 0.012);
    assert.equal(line.upstream_duration, 0.0085);
    assert.equal(line.namespace, 'team');
    assert.equal(line.ingress, 'shop');
    assert.equal(line.bytes_in, 300);
    assert.equal(line.protocol, 'HTTP/1.1');
  });

  it("the proxy's own answer logs the peer address and the client's request id; never the query", () => {
    const fields = accessLogFields(exchange(), 1001, 10, 20);
    assert.equal(fields.client, '10.0.0.9');
    assert.equal(fields.request_id, 'from-client');
    assert.equal(fields.path, '/cart/items');
    assert.equal(fields.host, 'shop.test:8080');
    assert.equal(fields.upstream, '');
    assert.equal(fields.upstream_duration, 0);
  });

  it('a sample rate of 0 logs nothing; 1 logs everything', async () => {
    assert.equal((await lines((log) => log.write(exchange(), 1001, 0, 0), 0)).length, 0);
    assert.equal((await lines((log) => log.write(exchange(), 1001, 0, 0), 1)).length, 1);
  });

  it('a route with accessLog false (ingress-nginx enable-access-log "false") is left out; others are logged', async () => {
    const route = (accessLog?: boolean) =>
      ({
        route: {
          source: { kind: 'Ingress', namespace: 'team', name: 'shop' },
          ...(accessLog === undefined ? {} : { accessLog }),
        },
        series: undefined,
      }) as unknown as CompiledRoute;
    const written = await lines((log) => {
      log.write(exchange({ route: route(false) }), 1001, 0, 0);
      log.write(exchange({ route: route(true) }), 1001, 0, 0);
      log.write(exchange({ route: route() }), 1001, 0, 0);
    });
    assert.equal(written.length, 2);
  });

  it('sampling by trace id keeps the same traces at the same rate', () => {
    const log = new AccessLog({ sampleRate: 0.5, stream: new PassThrough() });
    const low = exchange({ traceparent: '00-0af7651916cd43dd8448eb2100000000-b7ad6b7169203331-01' });
    const high = exchange({ traceparent: '00-0af7651916cd43dd8448eb21ffffffff-b7ad6b7169203331-01' });
    assert.equal(log.sampled(low), true);
    assert.equal(log.sampled(high), false);
  });

  it('lines are dropped and counted while the output cannot keep up', () => {
    let dropped = 0;
    const stuck = new Writable({ highWaterMark: 16, write() {} });
    const log = new AccessLog({
      sampleRate: 1,
      stream: stuck,
      maxBufferedBytes: 1000,
      onDrop: () => dropped++,
    });
    for (let i = 0; i < 50; i++) log.write(exchange(), 1001, 0, 0);
    assert.ok(dropped > 0 && dropped < 50, `dropped ${dropped}`);
  });

  it('writing to a stdout pipe nobody reads never blocks the event loop', async () => {
    const script = fileURLToPath(new URL('./testdata/access-log-flood.ts', import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    try {
      // stdout is not read until the child reports: its pipe fills after 64 KiB.
      const report = await new Promise<{ written: number; dropped: number; maxGapMs: number }>(
        (resolve, reject) => {
          const deadline = setTimeout(() => reject(new Error('the child blocked: no report')), 20_000);
          child.once('message', (m) => {
            clearTimeout(deadline);
            resolve(m as never);
          });
        },
      );
      assert.equal(report.written, 40_000);
      assert.ok(report.dropped > 0, 'the pipe was full, so lines were dropped');
      assert.ok(report.maxGapMs < 500, `event loop stalled ${report.maxGapMs} ms`);
    } finally {
      child.stdout?.resume();
      child.kill('SIGKILL');
    }
  });
});
