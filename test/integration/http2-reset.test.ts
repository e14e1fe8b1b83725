// HTTP/2 streams the client cancels, at every stage of the exchange, give their upstream connection
// back: before the proxy dispatched them, while the upstream has not answered, while the request
// body streams. Before this held, each stream reset right after its HEADERS left one upstream
// connection open and unused for good, and at the pool's cap (1 024 per endpoint and worker) every
// request for the Service hung (issue 25, item 5).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Backend, startBackend, waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';

/** Streams cancelled per case: several hundred, over a few connections, as the client did. */
const SESSIONS = 3;
const STREAMS_PER_SESSION = 100;
const CHUNK = Buffer.alloc(16 * 1024, 'x');
/** Upstream connections a worker may keep after the storm: idle ones close after 4 s of keep-alive. */
const SETTLED = 2;

/**
 * A response that never ends, written as fast as the reader takes it: unlike a finished response,
 * whose connection the backend's own keep-alive timeout closes, only the proxy can end this one.
 */
function endless(res: ServerResponse): void {
  const more = (): void => {
    while (!res.destroyed && res.write(CHUNK));
    if (!res.destroyed) res.once('drain', more);
  };
  more();
}

/** Open connections of a server, counted by its own 'connection' and each socket's 'close'. */
function countConnections(server: Server): { open: number; opened: number } {
  const count = { open: 0, opened: 0 };
  server.on('connection', (socket: Socket) => {
    count.open++;
    count.opened++;
    socket.once('close', () => count.open--);
  });
  return count;
}

describe('HTTP/2 streams cancelled by the client free their upstream connections', () => {
  let backend: Backend;
  let worker: BareWorker;
  let connections: { open: number; opened: number };
  /** Requests the backend has received, by path prefix. */
  const received = new Map<string, number>();
  /** Paths whose upstream request was closed before the backend answered it. */
  const abandoned = new Set<string>();

  before(async () => {
    backend = await startBackend('app', (req, res) => {
      const path = req.url ?? '';
      const kind = path.split('?')[0];
      received.set(kind, (received.get(kind) ?? 0) + 1);
      if (kind === '/hold') {
        // Never answers: only the proxy's abort can free this connection.
        req.resume();
        res.once('close', () => abandoned.add(path));
        return;
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        if (kind === '/endless') endless(res);
        else res.end('ok\n');
      });
    });
    connections = countConnections(backend.server);
    worker = await startWorker(tableOf(1, [prefixRoute('app', '/', 'app')], { app: backend.port }));
  });

  after(async () => {
    await worker?.stop();
    await backend?.close();
  });

  async function connectSession(): Promise<ClientHttp2Session> {
    const session = http2Connect(`https://127.0.0.1:${worker.httpsPort}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    await once(session, 'remoteSettings');
    return session;
  }

  /** A complete exchange on `session`: its status. */
  async function get(session: ClientHttp2Session, path: string): Promise<number> {
    const stream: ClientHttp2Stream = session.request({ ':path': path });
    stream.on('error', () => {});
    stream.resume();
    const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    await once(stream, 'end');
    return Number(head[':status']);
  }

  /**
   * Opens streams and cancels each at once (HEADERS, then RST_STREAM(CANCEL)), then one complete
   * request per session: the worker reads a session's frames in order, so once that answer is
   * back every cancelled stream has been dispatched or dropped, and its upstream connect began.
   */
  async function cancelStorm(headers: OutgoingHttpHeaders, body: boolean): Promise<void> {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, connectSession));
    try {
      for (const session of sessions) {
        for (let i = 0; i < STREAMS_PER_SESSION; i++) {
          const stream = session.request(headers, { endStream: !body });
          stream.on('error', () => {});
          if (body) stream.write(Buffer.alloc(1024, 'x'));
          stream.close(constants.NGHTTP2_CANCEL);
        }
      }
      for (const session of sessions) assert.equal(await get(session, '/fast?barrier'), 200);
    } finally {
      for (const session of sessions) session.destroy();
    }
  }

  async function settled(what: string): Promise<void> {
    await waitFor(
      `the worker's upstream connections to go back to at most ${SETTLED} after ${what} (open: ${connections.open})`,
      () => connections.open <= SETTLED,
      20_000,
    );
  }

  async function getOnce(path: string): Promise<number> {
    const session = await connectSession();
    try {
      return await get(session, path);
    } finally {
      session.destroy();
    }
  }

  test('GETs cancelled right after their HEADERS: the connections come back, the next request is served', async () => {
    await cancelStorm({ ':path': '/endless?get' }, false);
    await settled('cancelled GETs of endless responses');
    await cancelStorm({ ':path': '/fast?get' }, false);
    await settled('cancelled GETs');
    assert.equal(await getOnce('/fast?after-get'), 200);
  });

  test('GETs cancelled while the upstream has not answered: each upstream request is aborted', async () => {
    await cancelStorm({ ':path': '/hold?get' }, false);
    await settled('cancelled GETs to an upstream that never answers');
    assert.equal(await getOnce('/fast?after-hold'), 200);
  });

  test('POSTs cancelled while their body streams: the connections come back', async () => {
    await cancelStorm({ ':method': 'POST', ':path': '/fast?post' }, true);
    await settled('cancelled POSTs');
    await cancelStorm({ ':method': 'POST', ':path': '/hold?post', 'content-length': '4096' }, true);
    await settled('cancelled POSTs of declared length to an upstream that never answers');
    assert.equal(await getOnce('/fast?after-post'), 200);
  });

  test('a stream cancelled once the upstream has it aborts that upstream request', async () => {
    const session = await connectSession();
    try {
      const stream = session.request({ ':path': '/hold?one' });
      stream.on('error', () => {});
      await waitFor('the upstream to receive the request', () =>
        backend.seen.some((r) => r.url === '/hold?one'),
      );
      stream.close(constants.NGHTTP2_CANCEL);
      await waitFor('the upstream request to be closed', () => abandoned.has('/hold?one'));
    } finally {
      session.destroy();
    }
  });
});
