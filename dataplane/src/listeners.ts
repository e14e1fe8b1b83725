// The worker's listeners: plain HTTP/1.1 on --http-port, and TLS on --https-port offering h2 and
// http/1.1 through ALPN. A TLS connection is handed to an HTTP/1 server or an HTTP/2 server by the
// protocol it negotiated, so HTTP/1 over TLS has exactly the limits and timeouts of plain HTTP.
// Both feed the same proxy handler; an HTTP/2 stream is served through an Http2Exchange, which
// presents it as the HTTP/1 request and response the handler reads and writes.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ACCEPT_SOCKETS, openAcceptors } from './acceptors.ts';
import { Http2Exchange, interimStatus } from './http2/exchange.ts';
import { GuardedSocket } from './http2/guarded-socket.ts';
import { answer, answerRaw } from './proxy/answers.ts';
import {
  type BodyPace,
  bodyPace,
  DEFAULT_CLIENT_BODY_MIN_RATE,
  DEFAULT_CLIENT_BODY_MIN_RATE_GRACE_MS,
  DEFAULT_CLIENT_BODY_TIMEOUT_MS,
  withoutMinRate,
} from './proxy/body-pace.ts';
import type { ProxyContext } from './proxy/context.ts';
import { handleRequest } from './proxy/handler.ts';
import { reportAnswer } from './proxy/own-answer.ts';
import { recordSessionPeer, recordSessionTls } from './proxy/peer.ts';
import { handleUpgrade } from './proxy/upgrade.ts';
import { inheritClientAddress, type RefusalReason, requireProxyHeader } from './proxy-protocol/gate.ts';
import type { WorkerConfig } from './table/messages.ts';
import type { Certificate } from './table/types.ts';
import type { CertificateContexts } from './tls/contexts.ts';
import { ALPN_PROTOCOLS, http2Options, SECURE_CONTEXT_OPTIONS, SESSION_TIMEOUT_S } from './tls/options.ts';
import { PASSTHROUGH_IDLE_MS, type PassthroughRouter, routeBySni } from './tls/passthrough.ts';

/** nginx's large_client_header_buffers (4 × 8k): beyond it, 431. */
export const MAX_HEADER_BYTES = 32 * 1024;
/** Envoy's max_headers_count: more header fields than this answer 431. */
export const MAX_HEADERS = 100;
/** Slowloris bound: a request's headers must arrive within this (408 after). */
export const DEFAULT_CLIENT_HEADER_TIMEOUT_MS = 20_000;
/** Accept queue of each listening socket (the kernel caps it at net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;
/** nginx's keepalive_timeout. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 75_000;

export interface ListenerHooks {
  draining(): boolean;
  /** A request, HTTP/2 stream or upgrade arrived: lets the worker tell idle from serving. */
  onRequest?(): void;
  onListening(ports: { http: number; https: number }): void;
  onFatal(message: string): void;
  /** A request refused by the HTTP parser (400, 408, 431), for metrics. */
  onMalformed?(status: number): void;
  /** A client connection accepted, with the protocol it speaks, for metrics. */
  onConnection?(socket: Duplex, listener: 'http' | 'https', protocol: 'http/1.1' | 'h2'): void;
  /** A connection closed because its PROXY protocol header was refused (--proxy-protocol), for metrics. */
  onProxyHeaderRefused?(listener: 'http' | 'https', reason: RefusalReason): void;
  /** SSL passthrough: raw connections to endpoints; without it, every TLS connection is terminated. */
  passthrough?: Pick<PassthroughRouter, 'connect' | 'onPassthrough'>;
}

type BaseContext = Omit<ProxyContext, 'listener' | 'bodyPace'>;

/** Client-side parse failures, answered before any request object exists (RFC 9112 §2.2). */
export function statusForClientError(code: string | undefined): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return 408;
    // llhttp refuses versions other than 0.9, 1.x and 2.0; nginx answers any major version past 1 with 505.
    case 'HPE_INVALID_VERSION':
      return 505;
    default:
      return 400;
  }
}

/**
 * A listening socket's 'error': fatal while it binds (the port is taken: the worker cannot serve);
 * once it listens, a failed accept (EMFILE when out of descriptors, ECONNABORTED) is logged and
 * the socket keeps listening — nginx logs `accept() failed` and carries on the same way.
 */
export function listenerErrorHandler(
  server: { readonly listening: boolean },
  where: string,
  onFatal: (message: string) => void,
  log: { warn(message: string, meta?: object): void },
): (error: Error & { code?: string }) => void {
  return (error) => {
    if (server.listening)
      log.warn('accept failed', { listener: where, error: error.message, code: error.code });
    else onFatal(`cannot listen on ${where}: ${error.message}`);
  };
}

function tooManyHeaders(req: IncomingMessage): boolean {
  return req.rawHeaders.length > 2 * MAX_HEADERS;
}

/**
 * The HTTP/1 servers speak HTTP/1.x only: llhttp also parses `HTTP/2.0` and HTTP/0.9 request lines,
 * which nginx answers with 505 (RFC 9110 §15.6.6). HTTP/2 comes through ALPN, never a request line.
 */
export function unsupportedVersion(req: IncomingMessage): boolean {
  return req.httpVersionMajor !== 1;
}

/** The body pace rules of the WorkerConfig (flags --client-body-*), compiled once. */
export function bodyPaces(cfg: WorkerConfig): ProxyContext['bodyPace'] {
  const uploads: BodyPace = bodyPace(
    cfg.clientBodyTimeoutMs ?? DEFAULT_CLIENT_BODY_TIMEOUT_MS,
    cfg.clientBodyMinRate ?? DEFAULT_CLIENT_BODY_MIN_RATE,
    cfg.clientBodyMinRateGraceMs ?? DEFAULT_CLIENT_BODY_MIN_RATE_GRACE_MS,
  );
  return { uploads, grpcStreams: withoutMinRate(uploads) };
}

export class Listeners {
  readonly http: Server;
  readonly https: HttpsServer;
  readonly h2: Http2Server;
  readonly #sessions = new Set<ServerHttp2Session>();
  /** More sockets on the listeners' ports (acceptors.ts): a burst of connections is accepted sooner. */
  readonly #acceptors: NetServer[] = [];
  /** The guarded socket whose session is being made right now (Node makes it synchronously). */
  #connecting: GuardedSocket | undefined;
  #defaultCertificate: Certificate | undefined;

  constructor(cfg: WorkerConfig, base: BaseContext, contexts: CertificateContexts, hooks: ListenerHooks) {
    const headerTimeout = cfg.clientHeaderTimeoutMs ?? DEFAULT_CLIENT_HEADER_TIMEOUT_MS;
    const keepAlive = cfg.keepAliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
    const http1: ServerOptions = {
      maxHeaderSize: MAX_HEADER_BYTES,
      insecureHTTPParser: false,
      // No deadline on a whole request: bodies are timed between reads and by rate (proxy/body-guard.ts).
      requestTimeout: 0,
      headersTimeout: headerTimeout,
      keepAliveTimeout: keepAlive,
      // Node checks header deadlines on this interval: keep it well under the deadline.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, headerTimeout / 4)),
    };
    const paces = bodyPaces(cfg);
    // Behind a Service the HTTPS listener's own port (8443) is not the one clients reach (443).
    const redirectPort = cfg.httpsRedirectPort ?? cfg.httpsPort;
    const plain: ProxyContext = {
      ...base,
      bodyPace: paces,
      listener: { proto: 'http', port: String(cfg.httpPort), encrypted: false, httpsPort: redirectPort },
    };
    const secure: ProxyContext = {
      ...base,
      bodyPace: paces,
      listener: { proto: 'https', port: String(cfg.httpsPort), encrypted: true, httpsPort: redirectPort },
    };

    this.http = createHttpServer(http1, requestListener(plain, hooks));
    // One more than allowed, so that an excess is visible (Node drops fields past the count).
    this.http.maxHeadersCount = MAX_HEADERS + 1;
    this.#defaultCertificate = contexts.defaultCertificate;
    this.https = createHttpsServer(
      {
        ...http1,
        ...SECURE_CONTEXT_OPTIONS,
        cert: this.#defaultCertificate?.certPem,
        key: this.#defaultCertificate?.keyPem,
        SNICallback: contexts.sniCallback,
        ALPNProtocols: ALPN_PROTOCOLS,
        sessionTimeout: SESSION_TIMEOUT_S,
        handshakeTimeout: headerTimeout,
        ...(cfg.ticketKeys === undefined ? {} : { ticketKeys: Buffer.from(cfg.ticketKeys) }),
      },
      requestListener(secure, hooks),
    );
    this.https.maxHeadersCount = MAX_HEADERS + 1;
    this.h2 = createHttp2Server(http2Options({ maxHeaderBytes: MAX_HEADER_BYTES, maxHeaders: MAX_HEADERS }));
    this.h2.setTimeout(keepAlive);
    this.h2.on('stream', http2Listener(secure, hooks));
    this.h2.on('session', (session: ServerHttp2Session) => {
      const guarded = this.#connecting;
      if (guarded !== undefined) {
        guarded.attach(session);
        recordSessionPeer(session, guarded.socket.remoteAddress);
        recordSessionTls(session, guarded.socket as TLSSocket);
      }
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      if (hooks.draining()) session.close();
    });
    this.h2.on('sessionError', (error) => base.log.debug('http2 session error', { error: String(error) }));

    // ALPN decides who serves a TLS connection: HTTP/2 sessions, or Node's HTTP/1 server (whose
    // connection listener, set by https.createServer, is kept for that).
    const http1OverTls = this.https.listeners('secureConnection')[0] as (socket: TLSSocket) => void;
    this.https.removeAllListeners('secureConnection');
    const proxyProtocol = cfg.proxyProtocol === true;
    this.https.on('secureConnection', (socket: TLSSocket) => {
      if (proxyProtocol) inheritClientAddress(socket);
      const h2 = socket.alpnProtocol === 'h2';
      hooks.onConnection?.(socket, 'https', h2 ? 'h2' : 'http/1.1');
      if (h2) this.#serveHttp2(socket, base);
      else http1OverTls.call(this.https, socket);
    });
    this.http.on('connection', (socket: Duplex) => hooks.onConnection?.(socket, 'http', 'http/1.1'));

    for (const [server, ctx] of [
      [this.http, plain],
      [this.https, secure],
    ] as const) {
      server.on('upgrade', upgradeListener(ctx, hooks));
      server.on('clientError', clientErrorListener(hooks));
    }
    this.https.on('tlsClientError', (error: Error & { code?: string }) =>
      base.log.debug('tls handshake failed', { error: error.message, code: error.code }),
    );
    // Before the TLS handshake, after any PROXY header (the gate below wraps this too).
    if (hooks.passthrough !== undefined) {
      const current = base.current;
      routeBySni(this.https, {
        ...hooks.passthrough,
        active: () => current.runtime?.passthrough !== undefined || contexts.hasOwnCiphers,
        hosts: () => current.runtime?.passthrough,
        ownContext: (name) => contexts.ownCipherContext(name),
        asksClientCertificate: (context) => contexts.asksClientCertificate(context),
        helloTimeoutMs: headerTimeout,
        idleMs: PASSTHROUGH_IDLE_MS,
        log: base.log,
      });
    }
    // Last, so the gate holds back every 'connection' listener installed above (and Node's own).
    if (proxyProtocol) {
      for (const [server, listener] of [
        [this.http, 'http'],
        [this.https, 'https'],
      ] as const) {
        requireProxyHeader(server, {
          trusted: base.trusted,
          timeoutMs: headerTimeout,
          onRefused: (reason, peer, detail) => {
            hooks.onProxyHeaderRefused?.(listener, reason);
            base.log.debug('PROXY protocol header refused; connection closed', {
              listener,
              reason,
              peer,
              detail,
            });
          },
        });
      }
    }
    this.#listen(cfg, hooks, base.log);
  }

  /** HTTP/2 runs behind the frame guard, which answers what Node's nghttp2 lets through. */
  #serveHttp2(socket: TLSSocket, base: BaseContext): void {
    socket.setNoDelay(true);
    const guarded = new GuardedSocket(socket, (v) =>
      base.log.debug('http2 protocol error', { scope: v.scope, code: v.code, reason: v.reason }),
    );
    this.#connecting = guarded;
    try {
      this.h2.emit('connection', guarded);
    } finally {
      this.#connecting = undefined;
    }
  }

  /** The certificate for clients without SNI follows the table's default (which a table may change). */
  useDefaultCertificate(certificate: Certificate | undefined): void {
    const previous = this.#defaultCertificate;
    if (certificate === undefined) return;
    if (certificate.certPem === previous?.certPem && certificate.keyPem === previous?.keyPem) return;
    this.#defaultCertificate = certificate;
    this.https.setSecureContext({
      ...SECURE_CONTEXT_OPTIONS,
      cert: certificate.certPem,
      key: certificate.keyPem,
    });
  }

  setTicketKeys(keys: Uint8Array): void {
    this.https.setTicketKeys(Buffer.from(keys));
  }

  /** Stop accepting; finish what is in flight; `done` once every connection is gone. */
  close(done: () => void): void {
    // A connection counts with the socket that accepted it: each closes once its own are gone.
    let open = 2 + this.#acceptors.length;
    const closed = (): void => {
      if (--open === 0) done();
    };
    this.http.close(closed);
    this.https.close(closed);
    for (const acceptor of this.#acceptors) acceptor.close(closed);
    for (const session of this.#sessions) session.close();
    this.closeIdle();
  }

  closeIdle(): void {
    this.http.closeIdleConnections();
    this.https.closeIdleConnections();
  }

  closeAll(): void {
    this.http.closeAllConnections();
    this.https.closeAllConnections();
    for (const session of this.#sessions) session.destroy();
  }

  #listen(cfg: WorkerConfig, hooks: ListenerHooks, log: BaseContext['log']): void {
    const ports = { http: cfg.httpPort, https: cfg.httpsPort };
    let pending = 2;
    for (const [server, port, key] of [
      [this.http, cfg.httpPort, 'http'],
      [this.https, cfg.httpsPort, 'https'],
    ] as const) {
      server.on('error', listenerErrorHandler(server, `${cfg.bindAddress}:${port}`, hooks.onFatal, log));
      server.listen({ port, host: cfg.bindAddress, reusePort: true, backlog: LISTEN_BACKLOG }, () => {
        const address = server.address();
        if (typeof address === 'object' && address) ports[key] = address.port;
        const at = { port: ports[key], host: cfg.bindAddress, backlog: LISTEN_BACKLOG };
        const opened = openAcceptors(
          server,
          at,
          ACCEPT_SOCKETS - 1,
          () => {
            if (--pending === 0) hooks.onListening(ports);
          },
          (error) => hooks.onFatal(`cannot listen on ${cfg.bindAddress}:${at.port}: ${error.message}`),
        );
        this.#acceptors.push(...opened);
      });
    }
  }
}

function requestListener(ctx: ProxyContext, hooks: ListenerHooks) {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Node emits pipelined requests as soon as they are parsed, queueing their responses (no socket
    // yet). RFC 9112 §9.3.2 allows parallel work only on safe methods; serve them one at a time as
    // nginx does. A queued response gets its socket once the one before finished, or never when
    // that one closed the connection: what was pipelined behind a refusal is never served.
    if (res.socket === null) {
      res.once('socket', () => listener(req, res));
      return;
    }
    // The answer before this one closed the connection and finished between two reads, so Node
    // saw nothing pending: the socket is already ending. Nothing read after it is served.
    if (res.socket.writableEnded) {
      res.socket.destroy();
      return;
    }
    hooks.onRequest?.();
    if (hooks.draining()) res.shouldKeepAlive = false;
    const refused = unsupportedVersion(req) ? 505 : tooManyHeaders(req) ? 431 : 0;
    if (refused !== 0) {
      // A client speaking another version is not spoken to again on this connection.
      if (refused === 505) res.shouldKeepAlive = false;
      answer(res, refused);
      reportAnswer(ctx, req, res, undefined, undefined, refused, performance.now());
      return;
    }
    serve(ctx, req, res);
  };
  return listener;
}

/** HTTP/2 streams on Node's core API; the exchange is the request and the response at once. */
function http2Listener(ctx: ProxyContext, hooks: ListenerHooks) {
  return (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    hooks.onRequest?.();
    if (hooks.draining()) stream.session?.close();
    const exchange = new Http2Exchange(stream, headers);
    const req = exchange as unknown as IncomingMessage;
    const res = exchange as unknown as ServerResponse;
    const interim = interimStatus(headers);
    if (interim === 100) stream.additionalHeaders({ ':status': 100 });
    else if (interim !== 0) {
      answer(res, interim);
      reportAnswer(ctx, req, res, undefined, undefined, interim, performance.now());
      return;
    }
    serve(ctx, req, res);
  };
}

function serve(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  try {
    handleRequest(ctx, req, res);
  } catch (error) {
    ctx.log.warn('request handler failed', { error: String((error as Error)?.stack ?? error) });
    answer(res, 500);
  }
}

function upgradeListener(ctx: ProxyContext, hooks: ListenerHooks) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    hooks.onRequest?.();
    const refused = unsupportedVersion(req) ? 505 : tooManyHeaders(req) ? 431 : 0;
    if (refused !== 0) {
      answerRaw(socket, refused);
      reportAnswer(ctx, req, undefined, undefined, undefined, refused, performance.now());
      return;
    }
    try {
      handleUpgrade(ctx, req, socket, head);
    } catch (error) {
      ctx.log.warn('upgrade handler failed', { error: String(error) });
      answerRaw(socket, 500);
    }
  };
}

function clientErrorListener(hooks: ListenerHooks) {
  return (error: Error & { code?: string }, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = statusForClientError(error.code);
    hooks.onMalformed?.(status);
    answerRaw(socket, status);
  };
}
