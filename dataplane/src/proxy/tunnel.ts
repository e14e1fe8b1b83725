// One joined upgrade: the undici handler of the handshake upstream, then the two sockets piped
// byte for byte with an idle timeout; an upstream that does not switch gets its answer relayed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { CompiledRoute } from '../compile.ts';
import type { CompiledBackend, UpstreamEndpoint } from '../upstream/balancer.ts';
import { interimOverdue, interimTimeout } from '../upstream/interim.ts';
import { answerRaw } from './answers.ts';
import type { ProxyContext } from './context.ts';
import { statusForUpstreamError } from './exchange.ts';
import { modifyResponseHeadersFor } from './filters.ts';
import { type ClientView, downstreamHeaders } from './forwarding.ts';
import type { ExchangeEnd } from './observer.ts';
import { rewriteResponseHeaders } from './response-rewrites.ts';
import { switchesToOffered } from './upgrade-protocols.ts';

/** Idle tunnels are closed after this long without a byte either way (nginx: proxy_read_timeout). */
export const DEFAULT_TUNNEL_IDLE_MS = 60_000;

const kTunnel = Symbol('gatehouse.tunnel');
type TunnelClient = Duplex & { [kTunnel]?: Tunnel };

type ResponseHeaders = Record<string, string | string[] | undefined>;

export class Tunnel implements Dispatcher.DispatchHandler, ExchangeEnd {
  readonly client: TunnelClient;
  /** The client's Upgrade field: the protocols a 101 may switch to. */
  readonly requested: string;
  controller: Dispatcher.DispatchController | undefined = undefined;
  /** The upstream switched protocols: the tunnel's own listeners take over. */
  upgraded = false;
  /** The head of a non-101 answer went to the client: a failure now can only cut it short. */
  relayed = false;
  readonly head: Buffer;
  readonly route: CompiledRoute;
  readonly endpoint: UpstreamEndpoint;
  readonly ctx: ProxyContext;
  done = false;
  req = undefined as unknown as IncomingMessage;
  readonly res: ServerResponse | undefined = undefined;
  backend: CompiledBackend | undefined = undefined;
  status = 0;
  startedAt = 0;
  upstreamStartedAt = 0;
  upstreamEndedAt = 0;
  view: ClientView | undefined = undefined;
  traceparent: string | undefined = undefined;
  error: Error | undefined = undefined;
  readonly refusal = undefined;
  interimSince = 0;

  constructor(
    client: Duplex,
    requested: string,
    head: Buffer,
    route: CompiledRoute,
    endpoint: UpstreamEndpoint,
    ctx: ProxyContext,
  ) {
    this.client = client;
    this.requested = requested;
    this.head = head;
    this.route = route;
    this.endpoint = endpoint;
    this.ctx = ctx;
    (client as TunnelClient)[kTunnel] = this;
    client.once('close', onClientGone);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.interimSince = 0;
    // The client left while the request waited for a connection.
    if (this.done) controller.abort(new Error('client closed the connection'));
  }

  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    upstream: Duplex,
  ): void {
    const client = this.client;
    if (this.done) {
      upstream.destroy();
      return;
    }
    if (!switchesToOffered(this.requested, headers.upgrade)) {
      upstream.destroy();
      this.ctx.log.debug('upstream switched to a protocol the client did not offer', {
        upstream: this.endpoint.origin,
        requested: this.requested,
        answered: headers.upgrade,
      });
      answerRaw(client, 502);
      this.end(502, new Error(`upstream switched to ${headers.upgrade ?? 'no protocol'}`));
      return;
    }
    this.upgraded = true;
    // nginx rewrites a 101's Location and Set-Cookie as any other upstream header block.
    if (this.route.responseRewrites) rewriteResponseHeaders(headers, this.route.responseRewrites);
    let head = `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
    }
    client.write(`${head}\r\n`, 'latin1');
    if (this.head.length > 0) upstream.write(this.head);
    const idleMs = this.route.route.timeouts?.idleMs ?? DEFAULT_TUNNEL_IDLE_MS;
    for (const side of [client, upstream]) {
      (side as Duplex & { setTimeout?: (ms: number, cb: () => void) => void }).setTimeout?.(idleMs, () => {
        client.destroy();
        upstream.destroy();
      });
      side.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('close', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      this.end(statusCode);
    });
  }

  /** The upstream answered without switching: its answer goes to the client as it is, then the connection closes. */
  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    // 1xx interim answers are not relayed (undici reads past them), nor waited on forever.
    if (statusCode < 200) {
      if (!this.done && interimOverdue(this, performance.now(), this.route.headersTimeoutMs))
        controller.abort(interimTimeout());
      return;
    }
    if (this.done) return;
    this.status = statusCode;
    downstreamHeaders(headers);
    if (this.route.responseRewrites) rewriteResponseHeaders(headers, this.route.responseRewrites);
    modifyResponseHeadersFor(
      headers,
      statusCode,
      this.route.responseHeaders,
      this.route.statusResponseHeaders,
    );
    // The client's connection was handed over for the upgrade: it cannot carry another request.
    headers.connection = 'close';
    const head = responseHead(statusCode, statusMessage, headers);
    if (head === undefined) {
      controller.abort(new Error('a response header value would split the header block'));
      return;
    }
    this.relayed = true;
    this.client.write(head, 'latin1');
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done || this.client.write(chunk)) return;
    controller.pause();
    this.client.once('drain', onClientDrain);
  }

  onResponseEnd(): void {
    if (this.done) return;
    // Without a length the body ends with the connection (RFC 9112 §6.3): send all, then close.
    (this.client as Socket).destroySoon();
    this.end(this.status);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    if (this.relayed) {
      // Part of the answer went out: the client must not take a cut one for a whole one.
      this.client.destroy();
      this.end(this.status, error);
      return;
    }
    const status = statusForUpstreamError(error);
    answerRaw(this.client, status);
    this.end(status, error);
  }

  end(status: number, error?: Error): void {
    if (this.done) return;
    this.done = true;
    const observer = this.ctx.observer;
    if (observer === undefined) return;
    this.status = status;
    this.error = error;
    this.upstreamEndedAt = performance.now();
    observer.onExchangeEnd(this);
  }
}

/** The client closed before the upstream switched or answered: the upstream request is not kept waiting. */
function onClientGone(this: TunnelClient): void {
  const tunnel = this[kTunnel];
  if (tunnel === undefined || tunnel.upgraded || tunnel.done) return;
  tunnel.end(499);
  tunnel.controller?.abort(new Error('client closed the connection'));
}

function onClientDrain(this: TunnelClient): void {
  const controller = this[kTunnel]?.controller;
  if (controller?.paused) controller.resume();
}

/**
 * An HTTP/1.1 response head written straight to the socket, or undefined when a value holds CR, LF
 * or NUL (Node's header checks are bypassed here; a route's header filter could carry one).
 */
function responseHead(
  status: number,
  message: string | undefined,
  headers: ResponseHeaders,
): string | undefined {
  let head = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (/[\r\n\0]/.test(v)) return undefined;
      head += `${name}: ${v}\r\n`;
    }
  }
  return `${head}\r\n`;
}
