// Upgrades (WebSocket and any other `Upgrade`): the request is resolved like any other (resolve.ts:
// the same redirects and answers), then the two sockets are joined byte for byte until either
// side closes or the tunnel idles out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { CompiledRoute } from '../compile.ts';
import {
  type CompiledBackend,
  pickEndpoint,
  pickGroup,
  type UpstreamEndpoint,
} from '../upstream/balancer.ts';
import { answerRaw, redirectRaw } from './answers.ts';
import { type ClientView, clientView } from './forwarding.ts';
import {
  type ExchangeEnd,
  type ProxyContext,
  reportAnswer,
  statusForUpstreamError,
  upstreamRequest,
} from './handler.ts';
import { peerAddress } from './peer.ts';
import { resolve } from './resolve.ts';
import { forwardTraceparent } from './trace.ts';

/** Idle tunnels are closed after this long without a byte either way (nginx: proxy_read_timeout). */
export const DEFAULT_TUNNEL_IDLE_MS = 60_000;

class Tunnel implements Dispatcher.DispatchHandler, ExchangeEnd {
  readonly client: Duplex;
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

  constructor(
    client: Duplex,
    head: Buffer,
    route: CompiledRoute,
    endpoint: UpstreamEndpoint,
    ctx: ProxyContext,
  ) {
    this.client = client;
    this.head = head;
    this.route = route;
    this.endpoint = endpoint;
    this.ctx = ctx;
  }

  onRequestStart(): void {}

  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    upstream: Duplex,
  ): void {
    const client = this.client;
    let head = `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
    }
    client.write(`${head}\r\n`);
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

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    answerRaw(this.client, statusForUpstreamError(error));
    this.end(statusForUpstreamError(error), error);
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
  const view = clientView(req.headers, peer, ctx.listener, ctx.trusted);
  const group = pickGroup(route.groups);
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
  const tunnel = new Tunnel(client, head, route, endpoint, ctx);
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
