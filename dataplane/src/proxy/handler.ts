// The per-request path: route lookup, the proxy's own answers, and forwarding through undici's
// dispatcher API with streaming both ways. One Exchange object per request is the only
// allocation the proxy itself adds; no closures are created per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Dispatcher } from 'undici';
import type { CompiledRoute, Runtime } from '../compile.ts';
import { normalizePath } from '../router/index.ts';
import { pickEndpoint, pickGroup, type UpstreamEndpoint } from '../upstream/balancer.ts';
import { answer, redirect } from './answers.ts';
import {
  hostWithoutPort,
  modifyRequestHeaders,
  modifyResponseHeaders,
  redirectLocation,
  rewritePath,
} from './filters.ts';
import { clientView, downstreamHeaders, type Listener, upstreamHeaders } from './forwarding.ts';

/** What a finished exchange reports: the seam for metrics and access logs. */
export interface ExchangeObserver {
  onExchangeEnd(
    route: CompiledRoute | undefined,
    endpoint: UpstreamEndpoint | undefined,
    status: number,
    error?: Error,
  ): void;
}

export interface ProxyContext {
  /** The runtime in force; read once at the start of each request. */
  current: { runtime: Runtime | undefined };
  listener: Listener & { encrypted: boolean; httpsPort: number };
  trusted: BlockList | undefined;
  observer: ExchangeObserver | undefined;
  log: { warn(message: string, meta?: object): void; debug(message: string, meta?: object): void };
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
    default:
      return 502;
  }
}

class Exchange implements Dispatcher.DispatchHandler {
  readonly req: IncomingMessage;
  readonly res: TrackedResponse;
  readonly route: CompiledRoute;
  readonly endpoint: UpstreamEndpoint;
  readonly ctx: ProxyContext;
  controller: Dispatcher.DispatchController | undefined = undefined;
  status = 0;
  done = false;

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
    res[kExchange] = this;
    res.on('close', onClientClose);
    res.on('drain', onClientDrain);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    // 1xx interim responses are not relayed: Node answers `Expect: 100-continue` itself.
    if (statusCode < 200) return;
    this.status = statusCode;
    downstreamHeaders(headers);
    if (this.route.responseHeaders) modifyResponseHeaders(headers, this.route.responseHeaders);
    if (statusMessage) this.res.writeHead(statusCode, statusMessage, headers);
    else this.res.writeHead(statusCode, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(
    _controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    if (trailers && Object.keys(trailers).length > 0 && this.res.chunkedEncoding) {
      this.res.addTrailers(trailers as Record<string, string>);
    }
    this.res.end();
    this.finish(this.status);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    const status = this.res.headersSent ? this.status : statusForUpstreamError(error);
    if ((error as { code?: string }).code !== 'UND_ERR_ABORTED') {
      this.ctx.log.debug('upstream error', {
        upstream: this.endpoint.origin,
        error: error.message,
        route: this.route.route.id,
      });
    }
    if (this.res.headersSent) this.res.destroy();
    else if (!this.res.destroyed) answer(this.res, status);
    this.finish(status, error);
  }

  finish(status: number, error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.ctx.observer?.onExchangeEnd(this.route, this.endpoint, status, error);
  }
}

function onClientClose(this: TrackedResponse): void {
  const exchange = this[kExchange];
  if (exchange === undefined || exchange.done) return;
  // The client went away before the response ended: stop the upstream exchange too.
  exchange.controller?.abort(new Error('client closed the connection'));
  exchange.finish(499);
}

function onClientDrain(this: TrackedResponse): void {
  const controller = this[kExchange]?.controller;
  if (controller?.paused) controller.resume();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Split a request target into a normalised path and the raw query; absolute-form (RFC 9112 §3.2.2)
 * is accepted too. The path is normalised (dot segments, `//`, unreserved escapes) once, here, and
 * that same path is both routed and forwarded: a backend never sees `/public/../admin` for a
 * request that was routed as `/admin`. Undefined for a target that is not a path.
 */
export function splitTarget(url: string): { path: string; query: string | undefined } | undefined {
  let target = url;
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    if (!/^https?:\/\//i.test(target)) return undefined;
    const slash = target.indexOf('/', target.indexOf('//') + 2);
    target = slash === -1 ? '/' : target.slice(slash);
  }
  const q = target.indexOf('?');
  const path = normalizePath(q === -1 ? target : target.slice(0, q));
  if (path === undefined) return undefined;
  return { path, query: q === -1 ? undefined : target.slice(q + 1) };
}

export function handleRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  const runtime = ctx.current.runtime;
  const target = splitTarget(req.url ?? '/');
  if (runtime === undefined || target === undefined) {
    answer(res, runtime === undefined ? 503 : 400);
    ctx.observer?.onExchangeEnd(undefined, undefined, runtime === undefined ? 503 : 400);
    return;
  }
  const method = req.method ?? 'GET';
  const hostHeader = req.headers.host ?? '';
  const host = runtime.router.host(hostHeader);
  if (!ctx.listener.encrypted && host?.entry.tls?.redirect) {
    const port = ctx.listener.httpsPort === 443 ? '' : `:${ctx.listener.httpsPort}`;
    const status = host.entry.tls.redirectStatus ?? 308;
    const query = target.query === undefined ? '' : `?${target.query}`;
    redirect(res, status, `https://${hostWithoutPort(hostHeader)}${port}${target.path}${query}`);
    ctx.observer?.onExchangeEnd(undefined, undefined, status);
    return;
  }
  const route = host?.match(target.path, method, req.headers, target.query) ?? runtime.router.defaultRoute;
  if (route === undefined) {
    ownAnswer(ctx, res, undefined, 404);
    return;
  }
  if (route.redirect) {
    const scheme = ctx.listener.encrypted ? 'https' : 'http';
    const location = redirectLocation(
      route.redirect,
      scheme,
      hostHeader,
      target.path,
      target.query,
      route.matchedPrefix,
    );
    redirect(res, route.redirect.statusCode, location);
    ctx.observer?.onExchangeEnd(route, undefined, route.redirect.statusCode);
    return;
  }
  const max = route.maxRequestBodyBytes;
  if (max !== undefined && Number(req.headers['content-length'] ?? 0) > max) {
    ownAnswer(ctx, res, route, 413);
    return;
  }
  const group = pickGroup(route.groups);
  const endpoint = group === undefined ? undefined : pickEndpoint(group);
  if (endpoint === undefined) {
    ownAnswer(ctx, res, route, 503);
    return;
  }

  const view = clientView(req.headers, req.socket.remoteAddress ?? '', ctx.listener, ctx.trusted);
  let headers = upstreamHeaders(req.rawHeaders, req.headers.connection, view);
  let path = target.query === undefined ? target.path : `${target.path}?${target.query}`;
  const rewrite = route.rewrite;
  if (rewrite !== undefined) {
    if (rewrite.path) {
      const newPath = rewritePath(target.path, route.matchedPrefix, rewrite.path);
      path = target.query === undefined ? newPath : `${newPath}?${target.query}`;
    }
    if (rewrite.hostname)
      headers = modifyRequestHeaders(headers, { set: [{ name: 'host', value: rewrite.hostname }] });
  }
  if (route.requestHeaders) headers = modifyRequestHeaders(headers, route.requestHeaders);

  const exchange = new Exchange(req, res, route, endpoint, ctx);
  endpoint.pool.dispatch(
    {
      path,
      method,
      headers,
      body: hasBody(req) ? req : null,
      headersTimeout: route.headersTimeoutMs,
      bodyTimeout: route.bodyTimeoutMs,
    },
    exchange,
  );
}

function ownAnswer(
  ctx: ProxyContext,
  res: ServerResponse,
  route: CompiledRoute | undefined,
  status: number,
): void {
  answer(res, status);
  ctx.observer?.onExchangeEnd(route, undefined, status);
}
