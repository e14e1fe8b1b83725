// Extra listening sockets on a server's port, each handing what it accepts to that server.
//
// Why: libuv accepts one connection per listening socket per event-loop turn (libuv PR #3696,
// relying on level-triggered polling for the next). On a busy worker a turn serving hundreds of
// connections takes tens of milliseconds, so a burst of new connections waited in the kernel's
// accept queue for one turn each: with 1 000 new connections, the last first requests waited up
// to 2 s (bench/burst.ts), where nginx, with multi_accept, takes them all at once. With SO_REUSEPORT
// the kernel spreads new connections over every socket of the port, so N sockets per worker accept
// N connections a turn, and the spread between workers stays even.
import { createServer, type Server, type Socket } from 'node:net';

/** Listening sockets per server and worker, its own included: 500 new connections take ~16 turns, not 500. */
export const ACCEPT_SOCKETS = 32;

export interface ListenAt {
  port: number;
  host: string;
  backlog: number;
}

/**
 * Opens `count` more sockets on `at` (the server's own, already bound: its port is resolved),
 * passing every connection to `server` as if it had accepted it. Calls `ready` once all listen,
 * `failed` on the first error before that; an error once listening (a failed accept) is the
 * server's own 'error', as if its socket had failed.
 */
export function openAcceptors(
  server: Server,
  at: ListenAt,
  count: number,
  ready: () => void,
  failed: (error: Error) => void,
): Server[] {
  const acceptors: Server[] = [];
  let pending = count;
  if (pending === 0) queueMicrotask(ready);
  for (let i = 0; i < count; i++) {
    // The connection listener hands over before any byte is read: the server's own listener
    // (HTTP parser, or the TLS handshake) is the first to see the socket.
    // noDelay as node:http's servers set it by default.
    const acceptor = createServer({ noDelay: true }, (socket: Socket) => {
      server.emit('connection', socket);
    });
    acceptor.on('error', (error: Error) => {
      if (acceptor.listening) server.emit('error', error);
      else failed(error);
    });
    acceptor.listen({ port: at.port, host: at.host, reusePort: true, backlog: at.backlog }, () => {
      if (--pending === 0) ready();
    });
    acceptors.push(acceptor);
  }
  return acceptors;
}
