// The ClientHello router of the HTTPS listener: the first TLS record is read before the handshake.
// SSL passthrough (ingress-nginx --enable-ssl-passthrough, docs/user-guide/tls.md): a ClientHello
// naming a passthrough host is not terminated, its bytes go as they are to an endpoint of that
// host's backend. A host with its own ciphers (ssl-ciphers) or client CA (auth-tls-secret) gets
// its handshake made from its own context, and the latter asks the client for a certificate. Every
// other connection — another name, no SNI, not TLS at all — is handed to the TLS server with the
// bytes read put back, as if nothing had looked. A table with none of these reads nothing.
import type { Server, Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { plainAddress } from '../proxy/forwarding.ts';
import type { CompiledBackend } from '../upstream/balancer.ts';
import { pickEndpoint } from '../upstream/balancer.ts';
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from './client-hello.ts';

/** What became of a passthrough connection; a metric label, so a closed set. */
export type PassthroughOutcome = 'piped' | 'no_endpoint' | 'connect_error';

/** nginx's stream proxy_timeout default: a piped connection with no byte either way for this long is closed. */
export const PASSTHROUGH_IDLE_MS = 600_000;

export interface PassthroughRouter {
  /** Whether the table in force has passthrough or own-cipher hosts; false (the common case) skips the read. */
  active(): boolean;
  /** The table in force's passthrough hosts. */
  hosts(): ReadonlyMap<string, CompiledBackend> | undefined;
  /** The context of a host with its own cipher settings (tls/contexts.ts), else undefined. */
  ownContext(serverName: string): SecureContext | undefined;
  /** Whether a handshake made from `context` asks the client for a certificate (auth-tls-secret). */
  asksClientCertificate?(context: SecureContext): boolean;
  /** A raw TCP connection to an endpoint through the upstream connect path (pools.connectTcp). */
  connect(
    origin: string,
    external: boolean,
    callback: (error: Error | null, socket: Socket | null) => void,
  ): void;
  /** The ClientHello's record must arrive within this. */
  readonly helloTimeoutMs: number;
  readonly idleMs: number;
  onPassthrough?(backend: CompiledBackend, outcome: PassthroughOutcome): void;
  log: { debug(message: string, meta?: object): void };
}

type ConnectionListener = (socket: Socket) => void;

/** Makes `server` (and the acceptors that emit its 'connection') route passthrough names first. */
export function routeBySni(server: Server, router: PassthroughRouter): void {
  const listeners = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!router.active()) handOver(server, listeners, socket);
    else new HelloRead(socket, router, server, listeners).start();
  });
}

function handOver(server: Server, listeners: ConnectionListener[], socket: Socket): void {
  for (const listener of listeners) listener.call(server, socket);
}

class HelloRead {
  readonly #socket: Socket;
  readonly #router: PassthroughRouter;
  readonly #server: Server;
  readonly #listeners: ConnectionListener[];
  #received: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;
  /** The socket's own half-open setting, given back when the TLS server takes it. */
  #halfOpen = false;

  constructor(socket: Socket, router: PassthroughRouter, server: Server, listeners: ConnectionListener[]) {
    this.#socket = socket;
    this.#router = router;
    this.#server = server;
    this.#listeners = listeners;
  }

  start(): void {
    const socket = this.#socket;
    // A client may send its FIN right after the ClientHello, before the backend is connected: the
    // way back must stay open for the backend's answer (a net.Socket ends it on 'end' otherwise).
    this.#halfOpen = socket.allowHalfOpen;
    socket.allowHalfOpen = true;
    this.#timer = setTimeout(this.#onTimeout, this.#router.helloTimeoutMs);
    socket.on('readable', this.#onReadable);
    socket.on('end', this.#onGone);
    socket.on('error', this.#onGone);
    socket.on('close', this.#onGone);
    // Bytes a PROXY header read put back are already buffered: no 'readable' may come for them.
    if (socket.readableLength > 0) this.#onReadable();
  }

  readonly #onReadable = (): void => {
    while (!this.#settled) {
      const chunk: Buffer | null = this.#socket.read();
      if (chunk === null) return;
      this.#received = this.#received === undefined ? chunk : Buffer.concat([this.#received, chunk]);
      const hello = readClientHello(this.#received);
      if (hello.kind === 'partial' && this.#received.length < MAX_CLIENT_HELLO_BYTES) continue;
      const name = hello.kind === 'hello' ? hello.serverName : undefined;
      const backend = name === undefined ? undefined : this.#router.hosts()?.get(name);
      if (backend === undefined) this.#terminate(name);
      else this.#pipe(backend);
    }
  };

  readonly #onTimeout = (): void => {
    if (this.#settled) return;
    this.#settle();
    this.#router.log.debug('no TLS ClientHello in time; connection closed', {
      timeoutMs: this.#router.helloTimeoutMs,
    });
    this.#socket.destroy();
  };

  readonly #onGone = (): void => {
    if (this.#settled) return;
    this.#settle();
    this.#socket.destroy();
  };

  #settle(): Buffer | undefined {
    this.#settled = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    socket.removeListener('readable', this.#onReadable);
    socket.removeListener('end', this.#onGone);
    socket.removeListener('error', this.#onGone);
    socket.removeListener('close', this.#onGone);
    const received = this.#received;
    this.#received = undefined;
    return received;
  }

  /** Not a passthrough name: the TLS server gets the socket with every byte read put back. */
  #terminate(name: string | undefined): void {
    const received = this.#settle();
    this.#socket.allowHalfOpen = this.#halfOpen;
    if (received !== undefined) this.#socket.unshift(received);
    const context = name === undefined ? undefined : this.#router.ownContext(name);
    if (context === undefined) handOver(this.#server, this.#listeners, this.#socket);
    else
      withSharedContext(this.#server, context, this.#router.asksClientCertificate?.(context) === true, () =>
        handOver(this.#server, this.#listeners, this.#socket),
      );
  }

  #pipe(backend: CompiledBackend): void {
    const received = this.#settle() as Buffer;
    const client = this.#socket;
    const router = this.#router;
    const endpoint = pickEndpoint(backend, undefined, {
      address: plainAddress(client.remoteAddress ?? ''),
      requestId: '',
    });
    if (endpoint === undefined) {
      router.onPassthrough?.(backend, 'no_endpoint');
      client.destroy();
      return;
    }
    // Until the upstream connects, a client that goes away must not leave an 'error' unheard.
    const early = (): void => {};
    client.on('error', early);
    router.connect(endpoint.origin, backend.backend.external === true, (error, upstream) => {
      client.removeListener('error', early);
      if (error !== null || upstream === null) {
        router.onPassthrough?.(backend, 'connect_error');
        router.log.debug('passthrough connect failed', { upstream: endpoint.origin, error: error?.message });
        client.destroy();
        return;
      }
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      router.onPassthrough?.(backend, 'piped');
      splice(client, upstream, received, router.idleMs);
    });
  }
}

/**
 * tls.Server makes each connection's OpenSSL SSL from its `_sharedCreds` context, in its
 * 'connection' listener, synchronously. OpenSSL keeps that SSL's cipher list and cipher-order
 * option when SNI later switches the certificate context, so a host's own ciphers must be in the
 * context the SSL is made from. Node has no public per-connection setting for it.
 */
function withSharedContext(
  server: Server,
  context: SecureContext,
  requestCert: boolean,
  handOver: () => void,
): void {
  // The TLSSocket takes requestCert/rejectUnauthorized from the server in the same listener: a
  // host with auth-tls asks for a certificate, and the verdict is judged per request (stages/).
  const shared = server as Server & {
    _sharedCreds?: SecureContext;
    requestCert?: boolean;
    rejectUnauthorized?: boolean;
  };
  const previous = shared._sharedCreds;
  if (previous === undefined) {
    handOver();
    return;
  }
  const previousRequest = shared.requestCert;
  const previousReject = shared.rejectUnauthorized;
  shared._sharedCreds = context;
  if (requestCert) {
    shared.requestCert = true;
    shared.rejectUnauthorized = false;
  }
  try {
    handOver();
  } finally {
    shared._sharedCreds = previous;
    shared.requestCert = previousRequest;
    shared.rejectUnauthorized = previousReject;
  }
}

/**
 * Both directions piped, each end's FIN passed on to the other (half-close, as nginx's stream
 * proxy), an error on one side resetting the other, and both closed after `idleMs` of silence.
 */
function splice(client: Socket, upstream: Socket, first: Buffer, idleMs: number): void {
  client.allowHalfOpen = true;
  upstream.allowHalfOpen = true;
  upstream.setNoDelay(true);
  upstream.write(first);
  client.pipe(upstream);
  upstream.pipe(client);
  const fail = (other: Socket) => (): void => {
    if (!other.destroyed) other.resetAndDestroy();
  };
  client.on('error', fail(upstream));
  upstream.on('error', fail(client));
  const idle = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.setTimeout(idleMs, idle);
  upstream.setTimeout(idleMs, idle);
  // Both halves closed: nothing more can flow.
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}
