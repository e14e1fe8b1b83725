// Upstreams that misbehave exactly, written on node:net: each reads one request (head and any
// Content-Length body), counts it, then does what its behaviour says with the raw socket.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../integration/harness.ts';

export type Behaviour = (socket: Socket, timers: Set<NodeJS.Timeout>) => void;

export interface RawBackend {
  ports: number[];
  /** Requests received, by method. */
  hits: Record<string, number>;
  close(): Promise<void>;
}

/** `endpoints` ports served alike (two, so a retry has somewhere else to go); `refuse`: nothing listens. */
export async function startRaw(behaviour: Behaviour | 'refuse', endpoints = 2): Promise<RawBackend> {
  const hits: Record<string, number> = {};
  if (behaviour === 'refuse') {
    const ports = await Promise.all(Array.from({ length: endpoints }, () => freePort()));
    return { ports, hits, close: async () => {} };
  }
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const servers: Server[] = [];
  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      const method = head.slice(0, head.indexOf(' '));
      hits[method] = (hits[method] ?? 0) + 1;
      behaviour(socket, timers);
    };
    socket.on('data', onData);
  };
  for (let i = 0; i < endpoints; i++) {
    const server = createServer(onConnection);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
  }
  return {
    ports: servers.map((s) => (s.address() as { port: number }).port),
    hits,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** Writes `text` (latin1, so NUL and lone CR go out as bytes), then `after` once it is flushed. */
function write(socket: Socket, text: string, after?: () => void): void {
  socket.write(Buffer.from(text, 'latin1'), () => after?.());
}

function endless(informational: string): Behaviour {
  return (socket, timers) => {
    const again = (): void => {
      if (socket.destroyed) return;
      write(socket, informational);
      const t = setTimeout(again, 20);
      timers.add(t);
    };
    again();
  };
}

/** The misbehaviours of issue 28, item 4. */
export const behaviours = {
  resetBeforeHeaders: ((socket) => socket.resetAndDestroy()) as Behaviour,
  /** Headers and part of the body, then an RST (a moment later, so the bytes leave first). */
  resetMidBody: ((socket, timers) =>
    write(socket, `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(10)}`, () => {
      const t = setTimeout(() => socket.resetAndDestroy(), 50);
      timers.add(t);
    })) as Behaviour,
  /** Accepts the request and never answers. */
  hang: (() => {}) as Behaviour,
  /** Headers and half the body, then silence with the connection open. */
  stallMidBody: ((socket) =>
    write(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345')) as Behaviour,
  /** The whole answer, one byte every 100 ms: slow, but never idle for a read timeout. */
  slowDrip: ((socket, timers) => {
    write(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n');
    let left = 8;
    const drip = (): void => {
      if (socket.destroyed || left === 0) return;
      left--;
      write(socket, 'd');
      const t = setTimeout(drip, 100);
      timers.add(t);
    };
    drip();
  }) as Behaviour,
  badStatusLine: ((socket) =>
    write(socket, 'HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok', () => socket.end())) as Behaviour,
  notHttp: ((socket) => write(socket, 'hello there\r\n\r\n', () => socket.end())) as Behaviour,
  /** Content-Length 5, eleven bytes sent: the extra six must not become the next response. */
  lengthShorter: ((socket) =>
    write(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world')) as Behaviour,
  /** Content-Length 100, five bytes, then FIN. */
  lengthLonger: ((socket) =>
    write(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort', () => socket.end())) as Behaviour,
  crInHeader: ((socket) =>
    write(socket, 'HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 2\r\n\r\nok', () =>
      socket.end(),
    )) as Behaviour,
  lfInHeader: ((socket) =>
    write(socket, 'HTTP/1.1 200 OK\r\nX-Bad: a\nSet-Cookie: b=1\r\nContent-Length: 2\r\n\r\nok', () =>
      socket.end(),
    )) as Behaviour,
  nulInHeader: ((socket) =>
    write(socket, 'HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 2\r\n\r\nok', () =>
      socket.end(),
    )) as Behaviour,
  /** 100 Continue (never asked for: no Expect was sent) every 20 ms, and never a final response. */
  endless100: endless('HTTP/1.1 100 Continue\r\n\r\n'),
  /** 103 Early Hints every 20 ms (RFC 8297: a client must ignore 1xx it does not expect), never a final response. */
  endless103: endless('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'),
  /** RFC 9112 §6.1: Transfer-Encoding overrides Content-Length; such a message ought to be handled as an error. */
  lengthAndChunked: ((socket) =>
    write(
      socket,
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      () => socket.end(),
    )) as Behaviour,
};
