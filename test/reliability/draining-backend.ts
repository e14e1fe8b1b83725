// A backend that drains as a pod's server does after SIGTERM: it stops accepting (its listening
// socket closes, so a new connection is refused), closes its idle keep-alive connections, answers
// the requests already in flight with `connection: close`, then is gone. Each answer is delayed a
// little so that requests are in flight when the drain starts.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface DrainingBackend {
  name: string;
  port: number;
  /** Requests answered 200, and requests that arrived after the drain began. */
  served: number;
  servedWhileDraining: number;
  /**
   * SIGTERM: stop accepting, finish what is in flight; resolves true once every connection is
   * closed, false when `graceMs` (terminationGracePeriodSeconds) ran out first.
   */
  drain(graceMs: number): Promise<boolean>;
  /** Connections open now. */
  connections(): number;
  /** The process exits: whatever is still open is cut. */
  exit(): void;
}

export async function startDrainingBackend(name: string, delayMs = 2): Promise<DrainingBackend> {
  let draining = false;
  const backend: DrainingBackend = {
    name,
    port: 0,
    served: 0,
    servedWhileDraining: 0,
    drain: async (graceMs) => {
      draining = true;
      const closed = once(server, 'close').then(() => true);
      // node:http's close() also closes the idle keep-alive connections, as a pod's server does.
      server.close();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      try {
        return await Promise.race([closed, grace]);
      } finally {
        clearTimeout(timer);
      }
    },
    connections: () => sockets.size,
    exit: () => {
      if (server.listening) server.close();
      server.closeAllConnections();
    },
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    setTimeout(() => {
      // A draining server tells the client not to reuse the connection (RFC 9112 §9.6).
      if (draining) {
        res.shouldKeepAlive = false;
        backend.servedWhileDraining++;
      }
      backend.served++;
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
      res.end(name);
    }, delayMs);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  backend.port = (server.address() as { port: number }).port;
  return backend;
}
