// The per-request path: route lookup, the rewrite phase's answers, the route's compiled stages
// (stage-runner.ts), then forwarding through undici's dispatcher API (exchange.ts). A route
// without stages pays one length check; no closures are created per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledRoute } from '../compile.ts';
import { dispatchFirst } from '../upstream/attempt.ts';
import { pickEndpoint, pickGroup } from '../upstream/balancer.ts';
import { affinityCookie } from '../upstream/balancers.ts';
import { answer, answerDirect, redirect } from './answers.ts';
import type { ProxyContext } from './context.ts';
import { errorPageHeaders } from './error-pages.ts';
import { Exchange } from './exchange.ts';
import { addAuthHeaders } from './external-auth.ts';
import { type ClientView, clientView } from './forwarding.ts';
import { answerRequest, forwardsTeTrailers } from './grpc.ts';
import { sendMirrors } from './mirror.ts';
import { ownAnswer, reportAnswer } from './own-answer.ts';
import { peerAddress } from './peer.ts';
import { forwardedBody } from './request-body.ts';
import { resolve } from './resolve.ts';
import { answeredByStages } from './stage-runner.ts';
import { clientCertificateHeadersOf } from './stages/client-certificate.ts';
import { authGrantOf } from './stages/external-auth.ts';
import { forwardTraceparent } from './trace.ts';
import { upstreamRequest } from './upstream-request.ts';

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
  const peer = peerAddress(req);
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
  // Set before any answer, so the route's own answers (401, 429, 503…) carry it as proxied ones do.
  if (route.hsts !== undefined && ctx.listener.encrypted)
    res.setHeader('strict-transport-security', route.hsts);
  if (route.direct !== undefined) {
    // nginx's rewrite phase (`return`): before the route's stages, which belong to later phases.
    answerDirect(res, route.direct.statusCode, route.direct.body, route);
    reportAnswer(ctx, req, res, route, undefined, route.direct.statusCode, startedAt);
    return;
  }
  const view = clientView(req.headers, peer, ctx.listener, ctx.trusted);
  if (route.stages.length !== 0) {
    const answered = answeredByStages(ctx, req, res, route, view, startedAt);
    if (answered === true) return;
    if (answered !== false) {
      // An asynchronous stage (external auth) is pending: only these requests pay a closure.
      answered.then((done) => {
        if (done) return;
        if (res.destroyed) reportAnswer(ctx, req, res, route, undefined, 499, startedAt);
        else forward(ctx, req, res, route, target, view, startedAt);
      });
      return;
    }
  }
  forward(ctx, req, res, route, target, view, startedAt);
}

/** Picks the backend and endpoint and starts the exchange: everything after the stages. */
function forward(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute,
  target: { path: string; query: string | undefined },
  view: ClientView,
  startedAt: number,
): void {
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

  const method = req.method ?? 'GET';
  const { path, headers } = upstreamRequest(req, route, target, view, ctx.via);
  // nginx.tmpl: the request itself, with X-Code 503 and the others (X-Request-ID is forwarded anyway).
  if (fallback) headers.push(...errorPageHeaders(route.errorPages!, 503, req, false));
  const grant = route.externalAuth === undefined ? undefined : authGrantOf(req);
  if (grant !== undefined) addAuthHeaders(headers, grant.upstreamHeaders);
  const certHeaders = route.clientCertificate === undefined ? undefined : clientCertificateHeadersOf(req);
  if (certHeaders !== undefined) addAuthHeaders(headers, certHeaders);
  if (forwardsTeTrailers(req.headers.te, group!.backend.protocol)) headers.push('te', 'trailers');
  const traceparent = forwardTraceparent(headers, req.headers.traceparent, ctx.observer?.sampleRate ?? 0);

  const exchange = new Exchange(req, res, route, endpoint, ctx);
  if (fallback) exchange.errorPages = undefined;
  exchange.backend = group;
  exchange.view = view;
  if (grant?.setCookie !== undefined) exchange.authCookies = grant.setCookie;
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
    sendMirrors(route, route.mirrors, ctx.upstreamObserver, method, path, headers, req.headers, view, body);
  dispatchFirst(exchange);
}
