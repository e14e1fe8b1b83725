// Upgrades (WebSocket and any other `Upgrade`): the request is resolved like any other (resolve.ts:
// the same redirects and answers), then the two sockets are joined byte for byte until either
// side closes or the tunnel idles out. An upstream that does not switch gets its answer relayed as
// a normal response (nginx does the same), then the connection closes; one that switches to a
// protocol the client did not offer, fails or times out gets 502/504. Every handshake is answered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { CompiledRoute } from '../compile.ts';
import {
  LIMIT_PASS,
  LIMIT_RATE,
  LIMIT_WAIT,
  limitRefusal,
  limitRequest,
  limitStatus,
} from '../limits/gate.ts';
import {
  type CompiledBackend,
  pickEndpoint,
  pickGroup,
  type UpstreamEndpoint,
} from '../upstream/balancer.ts';
import { answerRaw, redirectRaw } from './answers.ts';
import { clientAllowed } from './client-access.ts';
import { modifyResponseHeadersFor } from './filters.ts';
import { type ClientView, clientView, downstreamHeaders } from './forwarding.ts';
import {
  type ExchangeEnd,
  type ProxyContext,
  reportAnswer,
  statusForUpstreamError,
  upstreamRequest,
} from './handler.ts';
import { peerAddress } from './peer.ts';
import { resolve } from './resolve.ts';
import { rewriteResponseHeaders } from './response-rewrites.ts';
import { refusalOf } from './route-gate.ts';
import { forwardTraceparent } from './trace.ts';
import { switchesToOffered } from './upgrade-protocols.ts';

/** Idle tunnels are closed after this long without a byte either way (nginx: proxy_read_timeout). */
export const DEFAULT_TUNNEL_IDLE_MS = 60_000;

const kTunnel = Symbol('gatehouse.tunnel');
type TunnelClient = Duplex & { [kTunnel]?: Tunnel };

type ResponseHeaders = Record<string, string | string[] | undefined>;

class Tunnel implements Dispatcher.DispatchHandler, ExchangeEnd {
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
    // 1xx interim answers are not relayed (undici reads past them).
    if (statusCode < 200 || this.done) return;
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

export function handleUpgrade(ctx: ProxyContext, req: IncomingMessage, client: Duplex, head: Buffer): void {
  client.on('error', () => client.destroy());
  const startedAt = ctx.observer === undefined ? 0 : performance.now();
  const peer = peerAddress(req);
  if (ctx.via.seenIn(req.headers.via)) {
    // A handshake this proxy forwarded before: a loop (loop.ts).
    answerRaw(client, 508);
    reportAnswer(ctx, req, undefined, undefined, undefined, 508, startedAt);
    return;
  }
  const target = resolve(
    ctx.current.runtime,
    ctx.listener,
    req.url ?? '/',
    req.method ?? 'GET',
    req.headers,
    req.rawHeaders,
    peer,
    ctx.trusted,
  );
  if (target.kind === 'redirect') {
    // ingress-nginx redirects a handshake like any request: a plain ws:// never reaches a TLS-only host.
    redirectRaw(client, target.status, target.location);
    reportAnswer(ctx, req, undefined, target.route, undefined, target.status, startedAt);
    return;
  }
  if (target.kind === 'answer') {
    answerRaw(client, target.status);
    reportAnswer(ctx, req, undefined, undefined, undefined, target.status, startedAt);
    return;
  }
  const route = target.route;
  if (route.direct !== undefined) {
    // A handshake to a route that answers itself gets its status, never a tunnel.
    answerRaw(client, route.direct.statusCode);
    reportAnswer(ctx, req, undefined, route, undefined, route.direct.statusCode, startedAt);
    return;
  }
  const view = clientView(req.headers, peer, ctx.listener, ctx.trusted);
  if (route.clientAccess !== undefined && !clientAllowed(route.clientAccess, view.address)) {
    answerRaw(client, 403);
    reportAnswer(ctx, req, undefined, route, undefined, 403, startedAt, refusalOf(403));
    return;
  }
  if (route.rateLimit !== undefined) {
    // A handshake is a request like any other (nginx's limit_req runs before the upgrade).
    const limited =
      ctx.limits === undefined
        ? LIMIT_RATE
        : limitRequest(ctx.limits, route.rateLimit, view.address, req, client, () =>
            handleUpgrade(ctx, req, client, head),
          );
    if (limited === LIMIT_WAIT) return;
    if (limited !== LIMIT_PASS) {
      const status = limitStatus(limited);
      answerRaw(client, status);
      reportAnswer(ctx, req, undefined, route, undefined, status, startedAt, limitRefusal(limited));
      return;
    }
  }
  const group = pickGroup(route.groups, req.headers);
  // Headers and client address go to the balancer too: hash affinity must pin WebSockets as well.
  const endpoint = group === undefined ? undefined : pickEndpoint(group, req.headers, view);
  if (endpoint === undefined) {
    answerRaw(client, 503);
    reportAnswer(ctx, req, undefined, route, group, 503, startedAt);
    return;
  }
  const protocol = req.headers.upgrade ?? 'websocket';
  const { path, headers } = upstreamRequest(req, route, target, view, ctx.via);
  const traceparent = forwardTraceparent(headers, req.headers.traceparent, ctx.observer?.sampleRate ?? 0);
  const tunnel = new Tunnel(client, protocol, head, route, endpoint, ctx);
  if (ctx.observer !== undefined) {
    tunnel.req = req;
    tunnel.backend = group;
    tunnel.startedAt = startedAt;
    tunnel.view = view;
    tunnel.traceparent = traceparent;
    tunnel.upstreamStartedAt = performance.now();
  }
  endpoint.pool.dispatch(
    {
      path,
      method: req.method ?? 'GET',
      headers,
      upgrade: protocol,
      headersTimeout: route.headersTimeoutMs,
    },
    tunnel,
  );
}
