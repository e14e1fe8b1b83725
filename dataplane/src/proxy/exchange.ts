// One forwarded request: the undici dispatch handler relaying the upstream's response to the
// client with streaming both ways, the retry attempt (upstream/attempt.ts) and the record
// observers read when it ends. One Exchange per request is the proxy's only allocation.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { authCookieOn } from '../auth/external.ts';
import type { CompiledRoute } from '../compile.ts';
import { type Attempt, attemptAnswered, attemptEnded, attemptFailed } from '../upstream/attempt.ts';
import { reissuedAffinityCookie } from '../upstream/balancers.ts';
import { interimOverdue, interimTimeout } from '../upstream/interim.ts';
import type { UpstreamObserver } from '../upstream/observer.ts';
import type { CompiledRetry } from '../upstream/retry.ts';
import type { CompiledBackend, UpstreamEndpoint } from '../upstream/types.ts';
import {
  BODY_TOO_LARGE,
  type BodyError,
  type BodyOwner,
  CLIENT_BODY_TIMEOUT,
  CLIENT_BODY_TOO_SLOW,
  isClientBodyTimeout,
} from './body-guard.ts';
import type { ProxyContext } from './context.ts';
import { addCorsHeaders } from './cors.ts';
import { type CompiledErrorPages, INTERCEPTED_BODY_MAX_BYTES, sendErrorPage } from './error-pages.ts';
import { modifyResponseHeadersFor } from './filters.ts';
import { type ClientView, downstreamHeaders, relayedHeaders } from './forwarding.ts';
import { answerRequest, respondTrailersOnly } from './grpc.ts';
import type { ExchangeEnd } from './observer.ts';
import { answerAndClose, closeClient } from './request-body.ts';
import { rewriteResponseHeaders } from './response-rewrites.ts';

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

export class Exchange implements Dispatcher.DispatchHandler, ExchangeEnd, Attempt, BodyOwner {
  readonly req: IncomingMessage;
  readonly res: TrackedResponse;
  readonly route: CompiledRoute;
  /** Changes when a failed attempt is retried on another endpoint (upstream/attempt.ts). */
  endpoint: UpstreamEndpoint;
  readonly ctx: ProxyContext;
  readonly upstreamObserver: UpstreamObserver;
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
  /** The auth answer's Set-Cookie (auth/external.ts), added to the answer as nginx's add_header. */
  authCookies: string[] | undefined = undefined;
  /** Body bytes an HTTP/1 response still owes by its upstream's Content-Length; -1 when unknown. */
  bodyLeft = -1;
  /** The route's error pages; undefined when the request already goes to the error backend. */
  errorPages: CompiledErrorPages | undefined;
  /** The upstream status being replaced by an error page (its body is read and dropped); 0: none. */
  intercepted = 0;
  /** When this attempt's first 1xx arrived; 0: none yet. */
  interimSince = 0;

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
    this.upstreamObserver = ctx.upstreamObserver;
    this.retry = route.retry;
    this.errorPages = route.errorPages;
    res[kExchange] = this;
    res.on('close', onClientClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.interimSince = 0;
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
    if (statusCode < 200) {
      if (interimOverdue(this, performance.now(), this.route.headersTimeoutMs))
        controller.abort(interimTimeout());
      return;
    }
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
      this.authCookies === undefined &&
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
    if (
      this.authCookies !== undefined &&
      authCookieOn(statusCode, route.externalAuth?.auth.alwaysSetCookie === true)
    )
      for (const cookie of this.authCookies) appendSetCookie(headers, cookie);
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

function appendSetCookie(headers: Record<string, string | string[] | undefined>, cookie: string): void {
  const existing = headers['set-cookie'];
  headers['set-cookie'] =
    existing === undefined ? cookie : [...(Array.isArray(existing) ? existing : [existing]), cookie];
}
