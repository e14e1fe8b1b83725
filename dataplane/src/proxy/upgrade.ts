// Upgrades (WebSocket and any other `Upgrade`): the request is resolved like any other (resolve.ts:
// the same redirects and answers) and meets its route's upgrade stages, then the two sockets are
// joined byte for byte (tunnel.ts) until either side closes or the tunnel idles out. An upstream that does not switch gets its answer relayed as
// a normal response (nginx does the same), then the connection closes; one that switches to a
// protocol the client did not offer, fails or times out gets 502/504. Every handshake is answered.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CompiledRoute } from '../compile.ts';
import { pickEndpoint, pickGroup } from '../upstream/balancer.ts';
import { answerRaw, redirectRaw } from './answers.ts';
import type { ProxyContext } from './context.ts';
import { addAuthHeaders } from './external-auth.ts';
import { type ClientView, clientView } from './forwarding.ts';
import { reportAnswer } from './own-answer.ts';
import { peerAddress } from './peer.ts';
import { resolve } from './resolve.ts';
import { upgradeAnsweredByStages } from './stage-runner.ts';
import { clientCertificateHeadersOf } from './stages/client-certificate.ts';
import { authGrantOf } from './stages/external-auth.ts';
import { forwardTraceparent } from './trace.ts';
import { Tunnel } from './tunnel.ts';
import { upstreamRequest } from './upstream-request.ts';

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
  if (route.upgradeStages.length !== 0) {
    // The access stages, as for any request on the route (a handshake is never a preflight).
    const answered = upgradeAnsweredByStages(ctx, req, client, route, view, startedAt);
    if (answered === true) return;
    if (answered !== false) {
      answered.then((done) => {
        if (done) return;
        if (client.destroyed) reportAnswer(ctx, req, undefined, route, undefined, 499, startedAt);
        else tunnelUpstream(ctx, req, client, head, route, target, view, startedAt);
      });
      return;
    }
  }
  tunnelUpstream(ctx, req, client, head, route, target, view, startedAt);
}

/** Picks the endpoint and dispatches the handshake: everything after the stages. */
function tunnelUpstream(
  ctx: ProxyContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  route: CompiledRoute,
  target: { path: string; query: string | undefined },
  view: ClientView,
  startedAt: number,
): void {
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
  const grant = route.externalAuth === undefined ? undefined : authGrantOf(req);
  if (grant !== undefined) addAuthHeaders(headers, grant.upstreamHeaders);
  const certHeaders = route.clientCertificate === undefined ? undefined : clientCertificateHeadersOf(req);
  if (certHeaders !== undefined) addAuthHeaders(headers, certHeaders);
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
