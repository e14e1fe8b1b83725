// HTTP/1.1 pipelining (RFC 9112 §9.3.2): a server may work on pipelined requests in parallel only
// when all are safe. Node emits each request as soon as it is parsed; Gatehouse serves them one at
// a time, as nginx does, so a pipelined POST reaches the upstream only after the answer before it,
// and never when that answer closed the connection. Found by the HTTP/1.1 fuzz pass (issue 28).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exchangeRaw } from '../reliability/raw-client.ts';
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
} from './harness.ts';

describe('pipelined HTTP/1.1 requests', () => {
  const dir = new ManifestDir();
  const events: string[] = [];
  let release: (() => void) | undefined;
  let backend: Backend;
  let g: Gatehouse;

  before(async () => {
    // `/held` is answered only when the test releases it: the next request's arrival shows in `events`.
    backend = await startBackend('seq', (req, res) => {
      events.push(`start ${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        const done = () => {
          events.push(`answer ${req.url}`);
          res.end(`${req.url}\n`);
        };
        if (req.url === '/held') release = done;
        else done();
      });
    });
    dir.write('seq.yaml', [
      ingressClass(),
      ...serviceFor('seq', 'seq', [backend]),
      ingress('seq', 'seq', [{ host: 'seq.test', paths: [{ path: '/', service: 'seq' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });

  it('a pipelined POST reaches the upstream only after the answer before it', async () => {
    events.length = 0;
    const exchange = exchangeRaw(
      g.httpPort,
      Buffer.from(
        'GET /held HTTP/1.1\r\nHost: seq.test\r\n\r\n' +
          'POST /next HTTP/1.1\r\nHost: seq.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi',
      ),
      { deadlineMs: 10_000 },
    );
    await waitFor('the held request at the backend', () => release !== undefined);
    // Give a parallel POST every chance to arrive: two more round trips through the worker.
    for (let i = 0; i < 2; i++) await fetch(`http://127.0.0.1:${g.adminPort}/healthz`).then((r) => r.text());
    await fetch(g.url('/probe'), { headers: { host: 'seq.test' } }).then((r) => r.text());
    release?.();
    const result = await exchange;
    assert.deepEqual(
      events.filter((e) => !e.endsWith('/probe')),
      ['start GET /held', 'answer /held', 'start POST /next', 'answer /next'],
    );
    assert.match(result.text, /\/held\n[\s\S]*\/next\n$/, 'both answered, in order');
    release = undefined;
  });

  it('requests pipelined behind a refused one never reach the upstream', async () => {
    const flood = Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join('');
    const refusals = [
      // 101 header fields: 431 from the worker, connection closed.
      { head: `GET /flood HTTP/1.1\r\nHost: seq.test\r\n${flood}Connection: close\r\n\r\n`, status: 431 },
      // No Host on HTTP/1.1 (RFC 9112 §3.2): Node's own 400, connection closed.
      { head: 'GET /hostless HTTP/1.1\r\nAccept: */*\r\n\r\n', status: 400 },
    ];
    for (const { head, status } of refusals) {
      events.length = 0;
      const result = await exchangeRaw(
        g.httpPort,
        Buffer.from(`${head}POST /behind HTTP/1.1\r\nHost: seq.test\r\nContent-Length: 0\r\n\r\n`),
        { deadlineMs: 10_000 },
      );
      assert.deepEqual(result.statuses, [status]);
      await fetch(g.url('/probe'), { headers: { host: 'seq.test' } }).then((r) => r.text());
      assert.deepEqual(
        events.filter((e) => !e.endsWith('/probe')),
        [],
        `nothing behind the ${status} was served`,
      );
    }
  });

  it('a request arriving after an answer that closed the connection is not served either', async () => {
    events.length = 0;
    // The race the fuzz pass found: the refusal finishes between two reads, so Node sees no answer
    // pending and gives the next request a socket that is already closing. Many tries, split writes.
    const tries = 300;
    const one = (i: number) =>
      new Promise<void>((resolve) => {
        const socket = connect(g.httpPort, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve());
        socket.setTimeout(10_000, () => socket.destroy());
        socket.on('connect', () => {
          socket.write('POST /hostless HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello');
          socket.once('data', () =>
            socket.write(`POST /late-${i} HTTP/1.1\r\nHost: seq.test\r\nContent-Length: 0\r\n\r\n`),
          );
          setImmediate(() => {
            if (!socket.destroyed)
              socket.write(`POST /soon-${i} HTTP/1.1\r\nHost: seq.test\r\nContent-Length: 0\r\n\r\n`);
          });
        });
      });
    for (let i = 0; i < tries; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => one(i + k)));
    await fetch(g.url('/probe'), { headers: { host: 'seq.test' } }).then((r) => r.text());
    assert.deepEqual(
      events.filter((e) => !e.endsWith('/probe')),
      [],
    );
  });
});
