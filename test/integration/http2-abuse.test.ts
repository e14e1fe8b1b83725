// HTTP/2 abuse judged with frames written by hand: rapid reset (CVE-2023-44487), streams a client
// makes the server reset (MadeYouReset, CVE-2025-8671), WINDOW_UPDATE errors (RFC 9113 §6.9) and
// floods of frames that carry no request (CVE-2019-9511…9518). Each ends in a GOAWAY with the
// code RFC 9113 gives it — ENHANCE_YOUR_CALM for an exceeded budget — soon, and the worker serves
// everyone else; a client that cancels as browsers do is never cut off.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import {
  type ClientHttp2Session,
  constants,
  connect as http2Connect,
  type IncomingHttpHeaders,
} from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { FRAME_ALLOWANCE, PRIORITY_PER_STREAM, RESET_BURST } from '../../dataplane/src/http2/budgets.ts';
import {
  Code,
  FrameType,
  frame,
  ping,
  priority,
  RawH2,
  request,
  rstStream,
  settings,
  windowUpdate,
} from './h2-frames.ts';
import { type Backend, startBackend, waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';

/** Frames sent between two PING round trips. */
const BATCH = 50;

/** Connections the backend has accepted. */
function countConnections(server: Server): { opened: number } {
  const count = { opened: 0 };
  server.on('connection', () => count.opened++);
  return count;
}

interface Flood {
  /** Frames of the flood sent before the connection ended (or all of them). */
  sent: number;
  goaway: { lastStreamId: number; code: number } | undefined;
}

/** Sends `make(i)` in batches, a PING round trip after each, until the connection ends or `max` are sent. */
async function flood(conn: RawH2, make: (i: number) => Buffer, max: number): Promise<Flood> {
  let sent = 0;
  while (sent < max && !conn.ended) {
    const batch: Buffer[] = [];
    for (let i = 0; i < BATCH && sent < max; i++) batch.push(make(sent++));
    conn.send(...batch);
    await conn.barrier(sent);
  }
  if (!conn.ended) return { sent, goaway: undefined };
  await conn.ending();
  return { sent, goaway: conn.goaway() };
}

describe('HTTP/2 abuse is answered with GOAWAY, early, and the worker serves on', () => {
  let backend: Backend;
  let worker: BareWorker;
  let connections: { opened: number };
  const holdsClosed = new Set<string>();
  const open: RawH2[] = [];

  before(async () => {
    backend = await startBackend('app', (req, res) => {
      const path = req.url ?? '';
      req.resume();
      if (path.startsWith('/hold')) {
        // Never answered; counted once the worker gives the request up.
        res.on('close', () => holdsClosed.add(path));
        return;
      }
      if (path.startsWith('/big')) {
        res.end(Buffer.alloc(4 * 1024 * 1024));
        return;
      }
      res.end('ok\n');
    });
    connections = countConnections(backend.server);
    worker = await startWorker(tableOf(1, [prefixRoute('app', '/', 'app')], { app: backend.port }), {
      logLevel: process.env.H2_DEBUG ? 'debug' : 'warn',
    });
  });

  after(async () => {
    if (process.env.H2_DEBUG)
      console.log(
        worker
          .output()
          .split('\n')
          .filter((l) => /http2/.test(l))
          .slice(0, 20)
          .join('\n'),
      );
    for (const conn of open) conn.destroy();
    await worker?.stop();
    await backend?.close();
  });

  async function connect(): Promise<RawH2> {
    const conn = await RawH2.connect(worker.httpsPort);
    open.push(conn);
    return conn;
  }

  /** A whole request on a fresh connection: the worker still serves. */
  async function served(): Promise<void> {
    const conn = await connect();
    conn.send(request(1, '/ok'));
    const head = await conn.waitFrame(
      'the response',
      (f) => f.type === FrameType.HEADERS && f.streamId === 1,
    );
    assert.equal(head.type, FrameType.HEADERS);
    assert.equal(worker.proc.exitCode, null, 'the worker is alive');
    conn.destroy();
  }

  test('rapid reset: HEADERS and RST_STREAM in one packet, over and over, is ENHANCE_YOUR_CALM within the reset budget; nothing reaches the upstream', async () => {
    const conn = await connect();
    const before = connections.opened;
    const result = await flood(
      conn,
      (i) => Buffer.concat([request(2 * i + 1, '/rapid'), rstStream(2 * i + 1, Code.CANCEL)]),
      5_000,
    );
    assert.equal(
      result.goaway?.code,
      Code.ENHANCE_YOUR_CALM,
      `after ${result.sent} streams: ${JSON.stringify(result)}`,
    );
    // The budget, what refills while the test runs, and the batch in flight.
    assert.ok(result.sent <= RESET_BURST + 2 * BATCH, `${result.sent} streams before the GOAWAY`);
    // The last stream's HEADERS passed before its RST_STREAM broke the budget: that one may go upstream.
    assert.ok(
      connections.opened - before <= 1,
      'no stream reset in its first packet opened an upstream connection',
    );
    assert.ok(!backend.seen.some((r) => r.url === '/rapid'));
    await served();
  });

  test('a client cancelling what it has in flight, as a browser navigating away does, again and again, is not cut off', async () => {
    const session: ClientHttp2Session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, {
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    let goaway: number | undefined;
    session.on('goaway', (code: number) => {
      goaway = code;
    });
    await once(session, 'remoteSettings');
    try {
      for (let round = 0; round < 3; round++) {
        // 100 requests the upstream holds, all cancelled at once.
        const held = Array.from({ length: 100 }, (_, i) => {
          const stream = session.request({ ':path': `/hold?round=${round}&i=${i}` });
          stream.on('error', () => {});
          return stream;
        });
        await waitFor('the upstream to hold them', () =>
          held.every((_, i) => backend.seen.some((r) => r.url === `/hold?round=${round}&i=${i}`)),
        );
        for (const stream of held) stream.close(constants.NGHTTP2_CANCEL);
        // The next page comes once the worker has let the cancelled streams go (it aborts their
        // upstream requests then): Node frees a stream's slot only when its JS side is done with
        // it, and refuses streams above the 128 it allows until then — a round trip is not enough
        // on a loaded machine. A browser's next page comes far later than this.
        await waitFor('the worker to give up the cancelled requests', () =>
          held.every((_, i) => holdsClosed.has(`/hold?round=${round}&i=${i}`)),
        );
        await new Promise((resolve) => session.ping(resolve));
        // The next page: 100 requests answered in full.
        await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const stream = session.request({ ':path': `/page?round=${round}&i=${i}` });
            stream.resume();
            const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
            assert.equal(head[':status'], 200);
            await once(stream, 'end');
          }),
        );
      }
      assert.equal(goaway, undefined, 'no GOAWAY');
      assert.ok(!session.closed && !session.destroyed);
    } finally {
      session.destroy();
    }
  });

  test('MadeYouReset: streams the server must reset (WINDOW_UPDATE of 0) count against the same budget', async () => {
    const conn = await connect();
    const result = await flood(
      conn,
      (i) => Buffer.concat([request(2 * i + 1, '/made-you-reset'), windowUpdate(2 * i + 1, 0)]),
      5_000,
    );
    const resets = [...conn.resets().values()];
    assert.ok(resets.length >= RESET_BURST / 2, `${resets.length} streams reset before the GOAWAY`);
    assert.ok(
      resets.every((code) => code === Code.PROTOCOL_ERROR),
      `each stream reset with PROTOCOL_ERROR: ${resets}`,
    );
    assert.equal(result.goaway?.code, Code.ENHANCE_YOUR_CALM, JSON.stringify(result));
    assert.ok(result.sent <= RESET_BURST + 2 * BATCH, `${result.sent} streams before the GOAWAY`);
    await served();
  });

  test('a WINDOW_UPDATE of 0 on a stream resets that stream with PROTOCOL_ERROR; the connection serves on (§6.9)', async () => {
    const conn = await connect();
    conn.send(request(1, '/hold?zero-increment'));
    await conn.barrier(1);
    conn.send(windowUpdate(1, 0));
    await conn.waitFrame(
      'RST_STREAM on stream 1',
      (f) => f.type === FrameType.RST_STREAM && f.streamId === 1,
    );
    assert.equal(conn.resets().get(1), Code.PROTOCOL_ERROR);
    conn.send(request(3, '/ok?after-zero-increment'));
    const head = await conn.waitFrame(
      'the next response',
      (f) => f.type === FrameType.HEADERS && f.streamId === 3,
    );
    assert.equal(head.streamId, 3);
    assert.equal(conn.goaway(), undefined);
  });

  for (const [name, frames, code] of [
    ['a WINDOW_UPDATE of 0 on the connection', [windowUpdate(0, 0)], Code.PROTOCOL_ERROR],
    [
      'a connection window above 2^31-1',
      [windowUpdate(0, 2 ** 31 - 1), windowUpdate(0, 2 ** 31 - 1)],
      Code.FLOW_CONTROL_ERROR,
    ],
  ] as const) {
    test(`${name}, with responses under way, is a GOAWAY ${code === Code.PROTOCOL_ERROR ? 'PROTOCOL_ERROR' : 'FLOW_CONTROL_ERROR'} (§6.9, §6.9.1)`, async () => {
      const conn = await connect();
      conn.send(request(1, '/big?a'), request(3, '/big?b'));
      await conn.waitFrame('DATA under way', (f) => f.type === FrameType.DATA);
      conn.send(...frames);
      const ending = await conn.ending();
      assert.deepEqual(ending, { goaway: { lastStreamId: 3, code } });
    });
  }

  for (const [name, make, max, bound] of [
    ['WINDOW_UPDATE', () => windowUpdate(0, 1), 5_000, FRAME_ALLOWANCE],
    ['PING', () => ping(false, 0), 5_000, FRAME_ALLOWANCE],
    ['SETTINGS', () => settings(), 5_000, FRAME_ALLOWANCE],
    ['PRIORITY', (i: number) => priority(2 * i + 101, 0), 5_000, FRAME_ALLOWANCE + PRIORITY_PER_STREAM],
    ['closed-stream RST_STREAM', () => rstStream(1, Code.CANCEL), 5_000, FRAME_ALLOWANCE],
    ['unknown-type', () => frame(0x42, 0, 0), 5_000, FRAME_ALLOWANCE],
  ] as const) {
    test(`a flood of ${name} frames is a GOAWAY ENHANCE_YOUR_CALM after at most ~${bound} of them`, async () => {
      const conn = await connect();
      // One stream, answered, so that the floods on closed streams have one.
      conn.send(request(1, '/ok'));
      await conn.waitFrame('the response', (f) => f.type === FrameType.DATA && f.streamId === 1);
      const result = await flood(conn, make, max);
      assert.equal(
        result.goaway?.code,
        Code.ENHANCE_YOUR_CALM,
        `after ${result.sent} frames: ${JSON.stringify(result)}`,
      );
      assert.ok(result.sent <= bound + 2 * BATCH, `${result.sent} frames before the GOAWAY`);
    });
  }

  test('empty DATA frames and a CONTINUATION flood are GOAWAY ENHANCE_YOUR_CALM', async () => {
    const empty = await connect();
    empty.send(request(1, '/hold?empty-data', { method: 'POST', endStream: false }));
    const emptyResult = await flood(empty, () => frame(FrameType.DATA, 0, 1), 5_000);
    assert.equal(emptyResult.goaway?.code, Code.ENHANCE_YOUR_CALM, JSON.stringify(emptyResult));
    assert.ok(emptyResult.sent <= 2 * BATCH, `${emptyResult.sent} frames before the GOAWAY`);

    const continuation = await connect();
    // A header block that never ends: no PING may come between its frames (§6.10).
    continuation.send(
      frame(FrameType.HEADERS, 0, 1, Buffer.from([0x82])),
      ...Array.from({ length: 50 }, () => frame(FrameType.CONTINUATION, 0, 1, Buffer.from([0x82]))),
    );
    await continuation.ending();
    assert.equal(continuation.goaway()?.code, Code.ENHANCE_YOUR_CALM);
    await served();
  });
});
