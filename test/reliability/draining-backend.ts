// A backend that drains as a pod's server does after SIGTERM: it stops accepting (its listening
// socket closes, so a new connection is refused), closes its idle keep-alive connections, answers
// the requests already in flight with `connection: close`, then is gone. Each answer is delayed a
// little so that requests are in flight when the drain starts.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

export interface DrainingBackend {
  name: string;
  port: number;
  /** Requests answered 200, and requests that arrived after the drain began. */
  served: number;
  servedWhileDraining: number;
  /** SIGTERM: stop accepting, finish what is in flight; resolves once every connection is closed. */
  drain(): Promise<void>;
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
    drain: async () => {
      draining = true;
      const closed = once(server, 'close');
      // node:http's close() also closes the idle keep-alive connections, as a pod's server does.
      server.close();
      await closed;
    },
    exit: () => server.closeAllConnections(),
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
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  backend.port = (server.address() as { port: number }).port;
  return backend;
}
