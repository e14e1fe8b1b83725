// The per-request path: route lookup, the proxy's own answers, and forwarding through undici's
// dispatcher API with streaming both ways. One Exchange object per request is the only
// allocation the proxy itself adds; no closures are created per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Dispatcher } from 'undici';
import type { CompiledRoute, Runtime } from '../compile.ts';
import type { LimitClient } from '../limits/client.ts';
import {
  LIMIT_PASS,
  LIMIT_RATE,
  LIMIT_WAIT,
  limitRefusal,
  limitRequest,
  limitStatus,
} from '../limits/gate.ts';
import {
  type Attempt,
  attemptAnswered,
  attemptEnded,
  attemptFailed,
  dispatchFirst,
} from '../upstream/attempt.ts';
import {
  type CompiledBackend,
  pickEndpoint,
  pickGroup,
  type UpstreamEndpoint,
} from '../upstream/balancer.ts';
import { affinityCookie, reissuedAffinityCookie } from '../upstream/balancers.ts';
import type { CompiledRetry } from '../upstream/retry.ts';
import { answer, answerDirect, redirect } from './answers.ts';
import {
  BODY_TOO_LARGE,
  type BodyError,
  type BodyOwner,
  CLIENT_BODY_TIMEOUT,
  CLIENT_BODY_TOO_SLOW,
  isClientBodyTimeout,
} from './body-guard.ts';
import { addCorsHeaders } from './cors.ts';
import {
  type CompiledErrorPages,
  errorPageHeaders,
  INTERCEPTED_BODY_MAX_BYTES,
  sendErrorPage,
} from './error-pages.ts';
import { modifyRequestHeaders, modifyResponseHeadersFor, rewritePath } from './filters.ts';
import {
  type ClientView,
  clientView,
  downstreamHeaders,
  type Listener,
  relayedHeaders,
  upstreamHeaders,
} from './forwarding.ts';
import { answerRequest, forwardsTeTrailers, respondTrailersOnly } from './grpc.ts';
import type { ViaMarker } from './loop.ts';
import { sendMirrors } from './mirror.ts';
import { peerAddress } from './peer.ts';
import { answerAndClose, type BodyPaces, closeClient, forwardedBody } from './request-body.ts';
import { resolve } from './resolve.ts';
import { rewriteResponseHeaders } from './response-rewrites.ts';
import { answeredAtGate, type Refusal, refusalOf } from './route-gate.ts';
import { forwardTraceparent } from './trace.ts';

/** What a finished exchange reports: the seam for metrics and access logs (dataplane/src/metrics/). */
export interface ExchangeObserver {
  /** Share of requests the observer records in full (access log): the `sampled` flag of new traces. */
  readonly sampleRate: number;
  /** Called once per exchange, synchronously: read `end`, never keep it (own answers reuse one record). */
  onExchangeEnd(end: ExchangeEnd): void;
}

/** A finished exchange as observers see it. Times are performance.now(); 0 where they do not apply. */
export interface ExchangeEnd {
  readonly req: IncomingMessage;
  /** Undefined for upgrades, answered on the raw socket. */
  readonly res: ServerResponse | undefined;
  readonly route: CompiledRoute | undefined;
  readonly backend: CompiledBackend | undefined;
  readonly endpoint: UpstreamEndpoint | undefined;
  readonly status: number;
  readonly startedAt: number;
  readonly upstreamStartedAt: number;
  readonly upstreamEndedAt: number;
  /** What the proxy believed about the client; only for forwarded requests. */
  readonly view: ClientView | undefined;
  readonly traceparent: string | undefined;
  readonly error: Error | undefined;
  /** Which check refused the request (route-gate.ts, a bounded metric label); undefined when none did. */
  readonly refusal: Refusal | undefined;
}

/** The record of an answer the proxy gave itself: one, reused, as observers read it synchronously. */
class OwnAnswer implements ExchangeEnd {
  req = undefined as unknown as IncomingMessage;
  res: ServerResponse | undefined = undefined;
  route: CompiledRoute | undefined = undefined;
  backend: CompiledBackend | undefined = undefined;
  endpoint = undefined;
  status = 0;
  startedAt = 0;
  upstreamStartedAt = 0;
  upstreamEndedAt = 0;
  view = undefined;
  traceparent = undefined;
  error = undefined;
  refusal: Refusal | undefined = undefined;
}
const ownAnswerRecord = new OwnAnswer();

/** Reports an answer of the proxy itself (no upstream exchange) to the context's observer. */
export function reportAnswer(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse | undefined,
  route: CompiledRoute | undefined,
  backend: CompiledBackend | undefined,
  status: number,
  startedAt: number,
  refusal?: Refusal,
): void {
  const observer = ctx.observer;
  if (observer === undefined) return;
  const own = ownAnswerRecord;
  own.refusal = refusal;
  own.req = req;
  own.res = res;
  own.route = route;
  own.backend = backend;
  own.status = status;
  own.startedAt = startedAt;
  observer.onExchangeEnd(own);
  own.req = undefined as unknown as IncomingMessage;
  own.res = undefined;
}

export interface ProxyContext {
  /** The runtime in force; read once at the start of each request. */
  current: { runtime: Runtime | undefined };
  listener: Listener & { encrypted: boolean; httpsPort: number };
  trusted: BlockList | undefined;
  observer: ExchangeObserver | undefined;
  /** This installation's Via entry: added to every forwarded request, refused (508) on arrival. */
  via: ViaMarker;
  log: { warn(message: string, meta?: object): void; debug(message: string, meta?: object): void };
  /** How request bodies must keep coming (body-pace.ts); gRPC streams have no minimum rate. */
  bodyPace: BodyPaces;
  /** The replica's shared request budgets (limits/client.ts); absent: limits are not enforced here. */
  limits?: LimitClient;
}

const kExchange = Symbol('gatehouse.exchange');
type TrackedResponse = ServerResponse & { [kExchange]?: Exchange };

/** Upstream failure → the status the client sees (nginx's choices: 504 for timeouts, else 502). */
export function statusForUpstreamError(error: Error & { code?: string }): number {
  switch (error.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 504;
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return 400;
    case BODY_TOO_LARGE:
      return 413;
    // The client's body stalled: nginx answers client_body_timeout with 408 too.
    case CLIENT_BODY_TIMEOUT:
    case CLIENT_BODY_TOO_SLOW:
      return 408;
    default:
      return 502;
  }
}

class Exchange implements Dispatcher.DispatchHandler, ExchangeEnd, Attempt, BodyOwner {
  readonly req: IncomingMessage;
  readonly res: TrackedResponse;
  readonly route: CompiledRoute;
  /** Changes when a failed attempt is retried on another endpoint (upstream/attempt.ts). */
  endpoint: UpstreamEndpoint;
  readonly ctx: ProxyContext;
  controller: Dispatcher.DispatchController | undefined = undefined;
  status = 0;
  done = false;
  backend: CompiledBackend | undefined = undefined;
  startedAt = 0;
  upstreamStartedAt = 0;
  upstreamEndedAt = 0;
  view: ClientView | undefined = undefined;
  traceparent: string | undefined = undefined;
  error: Error | undefined = undefined;
  readonly refusal = undefined;
  options: Dispatcher.DispatchOptions | undefined = undefined;
  retry: CompiledRetry;
  retries = 0;
  tried: UpstreamEndpoint[] | undefined = undefined;
  inflight = false;
  redispatch = false;
  /** Set-Cookie of a session-affinity cookie issued with this response. */
  affinityCookie: string | undefined = undefined;
  /** Body bytes an HTTP/1 response still owes by its upstream's Content-Length; -1 when unknown. */
  bodyLeft = -1;
  /** The route's error pages; undefined when the request already goes to the error backend. */
  errorPages: CompiledErrorPages | undefined;
  /** The upstream status being replaced by an error page (its body is read and dropped); 0: none. */
  intercepted = 0;

  constructor(
    req: IncomingMessage,
    res: TrackedResponse,
    route: CompiledRoute,
    endpoint: UpstreamEndpoint,
    ctx: ProxyContext,
  ) {
    this.req = req;
    this.res = res;
    this.route = route;
    this.endpoint = endpoint;
    this.ctx = ctx;
    this.retry = route.retry;
    this.errorPages = route.errorPages;
    res[kExchange] = this;
    res.on('close', onClientClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // The client left while the request waited for a connection (onClientClose found no
    // controller to abort then): abort now, or the connection would wait on a response nobody reads.
    if (this.done) controller.abort(CLIENT_CLOSED);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    // 1xx interim responses are not relayed: Node answers `Expect: 100-continue` itself.
    if (statusCode < 200) return;
    this.status = statusCode;
    if (attemptAnswered(this, statusCode, controller)) return;
    if (this.errorPages?.codes.includes(statusCode)) {
      // nginx proxy_intercept_errors: nothing of this answer reaches the client.
      this.intercepted = statusCode;
      this.bodyLeft = INTERCEPTED_BODY_MAX_BYTES;
      return;
    }
    const req = this.req;
    if (this.retries > 0 && this.backend?.affinity !== undefined)
      this.affinityCookie =
        reissuedAffinityCookie(
          this.backend,
          req.headers,
          this.view!,
          this.endpoint,
          this.ctx.listener.encrypted,
        ) ?? this.affinityCookie;
    if (req.httpVersionMajor === 1) this.bodyLeft = declaredLength(headers['content-length']);
    const route = this.route;
    if (
      req.httpVersionMajor === 1 &&
      this.affinityCookie === undefined &&
      !route.responseHeaders &&
      !route.statusResponseHeaders &&
      !route.responseRewrites &&
      !route.cors
    ) {
      // The common case, relayed as they came: no header object is edited (see relayedHeaders).
      const relayed = relayedHeaders(headers);
      if (statusMessage) this.res.writeHead(statusCode, statusMessage, relayed);
      else this.res.writeHead(statusCode, relayed);
      return;
    }
    downstreamHeaders(headers);
    // The upstream's own headers are rewritten before Gatehouse adds its affinity cookie.
    if (route.responseRewrites) rewriteResponseHeaders(headers, route.responseRewrites);
    if (this.affinityCookie !== undefined) appendSetCookie(headers, this.affinityCookie);
    modifyResponseHeadersFor(headers, statusCode, route.responseHeaders, route.statusResponseHeaders);
    if (route.cors) addCorsHeaders(headers, route.cors, req.headers);
    if (respondTrailersOnly(req, this.res, statusCode, headers)) return;
    if (statusMessage && req.httpVersionMajor === 1) this.res.writeHead(statusCode, statusMessage, headers);
    else this.res.writeHead(statusCode, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.intercepted !== 0) {
      // Read and dropped to keep the connection; a long one is cut (onResponseError sends the page).
      this.bodyLeft -= chunk.length;
      if (this.bodyLeft < 0) controller.abort(INTERCEPTED_TOO_LONG);
      return;
    }
    if (chunk.length === this.bodyLeft) {
      // The body's last bytes: end with them. A write() first corks the socket until the next
      // tick and end() then sends an empty chunk of its own; most responses are one chunk.
      this.bodyLeft = 0;
      this.res.end(chunk);
      return;
    }
    this.bodyLeft -= chunk.length;
    if (this.res.write(chunk)) return;
    // Backpressure: most responses never fill the socket, so the drain listener is added only here.
    controller.pause();
    this.res.once('drain', onClientDrain);
  }

  onResponseEnd(
    _controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    if (this.intercepted !== 0) {
      if (!this.done) sendErrorPage(this, this.errorPages!, this.intercepted);
      return;
    }
    if (this.bodyLeft === 0) {
      this.finish(this.status);
      return;
    }
    if (
      trailers &&
      Object.keys(trailers).length > 0 &&
      (this.res.chunkedEncoding || this.req.httpVersionMajor === 2)
    ) {
      this.res.addTrailers(trailers as Record<string, string>);
    }
    this.res.end();
    this.finish(this.status);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    if (this.intercepted !== 0) {
      sendErrorPage(this, this.errorPages!, this.intercepted);
      return;
    }
    if (attemptFailed(this, error, this.res.headersSent)) return;
    const status = this.res.headersSent ? this.status : statusForUpstreamError(error);
    if ((error as { code?: string }).code !== 'UND_ERR_ABORTED') {
      this.ctx.log.debug('upstream error', {
        upstream: this.endpoint.origin,
        error: error.message,
        route: this.route.route.id,
      });
    }
    if (this.res.headersSent) this.res.destroy();
    else if (!this.res.destroyed) {
      if (isClientBodyTimeout(error)) answerAndClose(this.req, this.res, status);
      else answerRequest(this.res, status);
    }
    this.finish(status, error);
  }

  /** The client's body ran out of time (body-guard.ts): stop the upstream request, end the client's. */
  bodyExpired(error: BodyError): void {
    this.ctx.log.debug('client request body timed out', { error: error.message, route: this.route.route.id });
    // undici closes the upstream connection of a request cut off mid-body, then calls onResponseError.
    if (!this.done) this.controller?.abort(error);
    // Answered already: the rest of the body is never read, so its connection or stream ends.
    else closeClient(this.req, this.res);
  }

  finish(status: number, error?: Error): void {
    if (this.done) return;
    this.done = true;
    attemptEnded(this);
    const observer = this.ctx.observer;
    if (observer === undefined) return;
    this.status = status;
    this.error = error;
    this.upstreamEndedAt = performance.now();
    observer.onExchangeEnd(this);
  }
}

/** A Content-Length value as a byte count; -1 when absent or not a plain number (undici has refused those). */
function declaredLength(value: string | string[] | undefined): number {
  if (typeof value !== 'string') return -1;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : -1;
}

/** The abort of an intercepted answer whose body is longer than worth reading to keep its connection. */
const INTERCEPTED_TOO_LONG = new Error('intercepted upstream answer too long to drain');

/** One error for every abort of a request whose client left: no allocation per cancelled request. */
const CLIENT_CLOSED = new Error('client closed the connection');

function onClientClose(this: TrackedResponse): void {
  const exchange = this[kExchange];
  if (exchange === undefined || exchange.done) return;
  // The client went away before the response ended: stop the upstream exchange too. A request
  // still queued for a connection has no controller yet; onRequestStart aborts it (done is set).
  exchange.controller?.abort(CLIENT_CLOSED);
  exchange.finish(499);
}

function onClientDrain(this: TrackedResponse): void {
  const controller = this[kExchange]?.controller;
  if (controller?.paused) controller.resume();
}

export function handleRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  const startedAt = ctx.observer === undefined ? 0 : performance.now();
  if (res.destroyed) {
    // An HTTP/2 stream reset before its handler runs — by the client in the same read as its
    // HEADERS, or by the frame guard — has no one to answer: nothing to route or send upstream.
    reportAnswer(ctx, req, res, undefined, undefined, 499, startedAt);
    return;
  }
  const via = req.headers.via;
  if (via !== undefined && ctx.via.seenIn(via)) {
    // Forwarded by this proxy before: a loop, refused before routing costs anything (loop.ts).
    ownAnswer(ctx, req, res, undefined, undefined, 508, startedAt);
    return;
  }
  const method = req.method ?? 'GET';
  const peer = peerAddress(req);
  const target = resolve(
    ctx.current.runtime,
    ctx.listener,
    req.url ?? '/',
    method,
    req.headers,
    req.rawHeaders,
    peer,
    ctx.trusted,
  );
  if (target.kind === 'redirect') {
    redirect(res, target.status, target.location, target.route);
    reportAnswer(ctx, req, res, target.route, undefined, target.status, startedAt);
    return;
  }
  if (target.kind === 'answer') {
    // Before routing (no table, bad target) the answer is plain HTTP; a 404 speaks gRPC to gRPC.
    if (target.status === 404) answerRequest(res, 404);
    else answer(res, target.status);
    reportAnswer(ctx, req, res, undefined, undefined, target.status, startedAt);
    return;
  }
  const route = target.route;
  if (route.direct !== undefined) {
    answerDirect(res, route.direct.statusCode, route.direct.body, route);
    reportAnswer(ctx, req, res, route, undefined, route.direct.statusCode, startedAt);
    return;
  }
  const max = route.maxRequestBodyBytes;
  if (max !== undefined && Number(req.headers['content-length'] ?? 0) > max) {
    ownAnswer(ctx, req, res, route, undefined, 413, startedAt);
    return;
  }
  const view = clientView(req.headers, peer, ctx.listener, ctx.trusted);
  const gate = route.clientAccess || route.cors ? answeredAtGate(req, res, route, view.address) : 0;
  if (gate !== 0) {
    reportAnswer(ctx, req, res, route, undefined, gate, startedAt, refusalOf(gate));
    return;
  }
  if (route.rateLimit !== undefined) {
    // A request waiting for the replica's budget comes back through here with its verdict
    // (limits/gate.ts). Without the budget's client the limit cannot be kept: closed (503).
    const limited =
      ctx.limits === undefined
        ? LIMIT_RATE
        : limitRequest(ctx.limits, route.rateLimit, view.address, req, res, () =>
            handleRequest(ctx, req, res),
          );
    if (limited === LIMIT_WAIT) return;
    if (limited !== LIMIT_PASS) {
      const status = limitStatus(limited);
      answerRequest(res, status);
      reportAnswer(ctx, req, res, route, undefined, status, startedAt, limitRefusal(limited));
      return;
    }
  }
  let group = pickGroup(route.groups, req.headers);
  let endpoint = group === undefined ? undefined : pickEndpoint(group, req.headers, view);
  // ingress-nginx default-backend: a Service without endpoints sends its requests there instead.
  const fallback = endpoint === undefined && route.errorPages?.noEndpoints === true;
  if (fallback) {
    group = route.errorPages!.backend;
    endpoint = pickEndpoint(group, req.headers, view);
  }
  if (endpoint === undefined) {
    ownAnswer(ctx, req, res, route, group, 503, startedAt);
    return;
  }

  const { path, headers } = upstreamRequest(req, route, target, view, ctx.via);
  // nginx.tmpl: the request itself, with X-Code 503 and the others (X-Request-ID is forwarded anyway).
  if (fallback) headers.push(...errorPageHeaders(route.errorPages!, 503, req, false));
  if (forwardsTeTrailers(req.headers.te, group!.backend.protocol)) headers.push('te', 'trailers');
  const traceparent = forwardTraceparent(headers, req.headers.traceparent, ctx.observer?.sampleRate ?? 0);

  const exchange = new Exchange(req, res, route, endpoint, ctx);
  if (fallback) exchange.errorPages = undefined;
  exchange.backend = group;
  exchange.view = view;
  if (group!.affinity !== undefined)
    exchange.affinityCookie = affinityCookie(group!, req.headers, view, ctx.listener.encrypted, endpoint);
  if (ctx.observer !== undefined) {
    exchange.startedAt = startedAt;
    exchange.traceparent = traceparent;
    exchange.upstreamStartedAt = performance.now();
  }
  const body = forwardedBody(req, exchange, route, group!, ctx.bodyPace);
  exchange.options = {
    path,
    method,
    headers,
    body,
    headersTimeout: route.headersTimeoutMs,
    bodyTimeout: route.bodyTimeoutMs,
  };
  // Before the main dispatch, so the copies are fed from the body's first byte (mirror.ts).
  if (route.mirrors !== undefined)
    sendMirrors(route, route.mirrors, method, path, headers, req.headers, view, body);
  dispatchFirst(exchange);
}

/**
 * The path and headers sent upstream for a routed request: forwarding headers, then the route's
 * URL rewrite and request-header filters, then our Via entry. Shared by plain requests and
 * upgrades, so a WebSocket handshake is shaped exactly like any other request on its route.
 */
export function upstreamRequest(
  req: IncomingMessage,
  route: CompiledRoute,
  target: { path: string; query: string | undefined },
  view: ClientView,
  via: ViaMarker,
): { path: string; headers: string[] } {
  let headers = upstreamHeaders(req.rawHeaders, view);
  let path = target.query === undefined ? target.path : `${target.path}?${target.query}`;
  const rewrite = route.rewrite;
  if (rewrite !== undefined) {
    if (rewrite.path) {
      const newPath = rewritePath(target.path, route.matchedPrefix, rewrite.path, route.rewriteRegex);
      path = target.query === undefined ? newPath : `${newPath}?${target.query}`;
    }
    if (rewrite.hostname)
      headers = modifyRequestHeaders(headers, { set: [{ name: 'host', value: rewrite.hostname }] });
  }
  if (route.requestHeaders) headers = modifyRequestHeaders(headers, route.requestHeaders);
  // Last, after the filters, so no route can remove it; a field line of its own after the
  // client's Via lines is the same list with ours appended (RFC 9110 §5.3).
  headers.push('via', via.entry(req.httpVersionMajor, req.httpVersionMinor));
  return { path, headers };
}

function appendSetCookie(headers: Record<string, string | string[] | undefined>, cookie: string): void {
  const existing = headers['set-cookie'];
  headers['set-cookie'] =
    existing === undefined ? cookie : [...(Array.isArray(existing) ? existing : [existing]), cookie];
}

function ownAnswer(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute | undefined,
  backend: CompiledBackend | undefined,
  status: number,
  startedAt: number,
): void {
  answerRequest(res, status);
  reportAnswer(ctx, req, res, route, backend, status, startedAt);
}
