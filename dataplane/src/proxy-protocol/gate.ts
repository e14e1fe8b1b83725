// With --proxy-protocol, every connection a listener accepts must open with a PROXY header from a
// trusted balancer (--trusted-proxies), as nginx's `listen … proxy_protocol` requires one on every
// connection. The header is read from the raw TCP socket before anything else sees a byte — the
// HTTP parser on the plain port, the TLS handshake on the secure one — then the bytes after it are
// put back (socket.unshift) and the socket is handed to the server's own connection listeners.
// With the flag off none of this is installed: the accept path does no extra work.
import type { BlockList, Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isTrusted, plainAddress } from '../proxy/forwarding.ts';
import { type ProxiedConnection, parseProxyHeader } from './header.ts';

/** Why a connection was closed before its header was accepted; a metric label, so a closed set. */
export type RefusalReason = 'untrusted' | 'malformed' | 'timeout' | 'incomplete';

export interface ProxyHeaderGate {
  /** Balancers allowed to send a header; any other peer is refused at once. */
  readonly trusted: BlockList | undefined;
  /** The whole header must arrive within this (a peer dribbling bytes is cut off). */
  readonly timeoutMs: number;
  onRefused(reason: RefusalReason, peer: string, detail: string): void;
}

type ConnectionListener = (socket: Socket) => void;

/** Makes `server` (and the acceptors that emit its 'connection') take connections only after a PROXY header. */
export function requireProxyHeader(server: Server, gate: ProxyHeaderGate): void {
  const listeners = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    new HeaderRead(socket, gate, server, listeners).start();
  });
}

/**
 * The address a PROXY header named becomes the socket's own remoteAddress (and port, family), so
 * every reader of it — X-Forwarded-For, X-Real-IP, the access log, balancer affinity, address
 * policies — sees the client, and none of them pays a branch on the request path.
 */
function nameClient(socket: Socket, proxied: ProxiedConnection): void {
  Object.defineProperties(socket, {
    remoteAddress: { value: proxied.source, configurable: true },
    remotePort: { value: proxied.sourcePort, configurable: true },
    remoteFamily: { value: proxied.family, configurable: true },
  });
}

/**
 * A TLS socket asks its TCP handle for the peer, not the net.Socket it wraps: give it the address
 * the header named on that socket (kept by Node as `_parent`). Call on 'secureConnection'.
 */
export function inheritClientAddress(tls: TLSSocket): void {
  const raw = (tls as TLSSocket & { _parent?: Socket })._parent;
  if (raw === undefined || !Object.hasOwn(raw, 'remoteAddress')) return;
  nameClient(tls as Socket, {
    family: raw.remoteFamily as 'IPv4' | 'IPv6',
    source: raw.remoteAddress as string,
    sourcePort: raw.remotePort as number,
    destination: '',
    destinationPort: 0,
  });
}

class HeaderRead {
  readonly #socket: Socket;
  readonly #gate: ProxyHeaderGate;
  readonly #server: Server;
  readonly #listeners: ConnectionListener[];
  #received: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;

  constructor(socket: Socket, gate: ProxyHeaderGate, server: Server, listeners: ConnectionListener[]) {
    this.#socket = socket;
    this.#gate = gate;
    this.#server = server;
    this.#listeners = listeners;
  }

  start(): void {
    const socket = this.#socket;
    const peer = plainAddress(socket.remoteAddress ?? '');
    if (!isTrusted(this.#gate.trusted, peer)) {
      this.#refuse('untrusted', 'peer not in --trusted-proxies');
      return;
    }
    this.#timer = setTimeout(this.#onTimeout, this.#gate.timeoutMs);
    socket.on('readable', this.#onReadable);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  readonly #onReadable = (): void => {
    while (!this.#settled) {
      const chunk: Buffer | null = this.#socket.read();
      if (chunk === null) return;
      this.#received = this.#received === undefined ? chunk : Buffer.concat([this.#received, chunk]);
      const header = parseProxyHeader(this.#received);
      if (header.kind === 'invalid') this.#refuse('malformed', header.reason);
      else if (header.kind === 'header') this.#accept(header.length, header.proxied);
    }
  };

  readonly #onTimeout = (): void => {
    this.#refuse('timeout', `no whole PROXY header within ${this.#gate.timeoutMs} ms`);
  };

  readonly #onEnd = (): void => {
    this.#refuse('incomplete', 'closed before a whole PROXY header');
  };

  readonly #onError = (error: Error): void => {
    this.#refuse('incomplete', error.message);
  };

  readonly #onClose = (): void => {
    if (!this.#settled) this.#refuse('incomplete', 'closed before a whole PROXY header');
  };

  #settle(): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    socket.removeListener('readable', this.#onReadable);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('error', this.#onError);
    socket.removeListener('close', this.#onClose);
  }

  #refuse(reason: RefusalReason, detail: string): void {
    if (this.#settled) return;
    this.#settle();
    this.#gate.onRefused(reason, plainAddress(this.#socket.remoteAddress ?? ''), detail);
    this.#socket.destroy();
  }

  #accept(length: number, proxied: ProxiedConnection | undefined): void {
    this.#settle();
    const socket = this.#socket;
    const rest = (this.#received as Buffer).subarray(length);
    this.#received = undefined;
    if (rest.length > 0) socket.unshift(rest);
    if (proxied !== undefined) nameClient(socket, proxied);
    for (const listener of this.#listeners) listener.call(this.#server, socket);
  }
}
