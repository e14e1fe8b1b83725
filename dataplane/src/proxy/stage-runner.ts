// Runs a route's compiled stages (proxy/stages/) in order until one answers. Synchronous stages
// cost a call and a comparison: no Promise, no closure. Only a stage that returns a Promise
// (external auth) makes the rest of the request asynchronous, from that stage on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CompiledRoute } from '../compile.ts';
import { answerRaw } from './answers.ts';
import type { ProxyContext } from './context.ts';
import type { ClientView } from './forwarding.ts';
import { answerRequest } from './grpc.ts';
import { reportAnswer } from './own-answer.ts';
import type { Stage } from './stages/stage.ts';

/** The status of a stage that failed (a rejected Promise): nginx answers a failed auth_request 500. */
const STAGE_FAILED = 500;

/**
 * True when a stage answered the request (and it was reported); false when it goes on upstream;
 * a Promise of either only when an asynchronous stage is pending.
 */
export function answeredByStages(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute,
  view: ClientView,
  startedAt: number,
  from = 0,
): boolean | Promise<boolean> {
  const stages = route.stages;
  for (let i = from; i < stages.length; i++) {
    const stage = stages[i];
    const verdict = stage.check(req, res, view);
    if (typeof verdict !== 'number') {
      return verdict.then(
        (status) =>
          status === 0
            ? answeredByStages(ctx, req, res, route, view, startedAt, i + 1)
            : answerStage(ctx, req, res, route, stage, status, startedAt),
        (error: unknown) => {
          ctx.log.warn('request stage failed', { route: route.route.id, error: String(error) });
          return answerStage(ctx, req, res, route, undefined, STAGE_FAILED, startedAt);
        },
      );
    }
    if (verdict !== 0) return answerStage(ctx, req, res, route, stage, verdict, startedAt);
  }
  return false;
}

function answerStage(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute,
  stage: Stage | undefined,
  status: number,
  startedAt: number,
): true {
  // A stage that answered with more than a status (a preflight's headers) has ended `res` itself.
  // headersSent, not writableEnded: the HTTP/2 exchange (http2/exchange.ts) stands in for a
  // ServerResponse and has no writableEnded.
  if (!res.headersSent && !res.destroyed) answerRequest(res, status);
  reportAnswer(
    ctx,
    req,
    res,
    route,
    undefined,
    status,
    startedAt,
    status >= 400 ? stage?.refusal : undefined,
  );
  return true;
}

/** The same for an upgrade handshake: its route's upgradeStages, answered on the raw socket. */
export function upgradeAnsweredByStages(
  ctx: ProxyContext,
  req: IncomingMessage,
  client: Duplex,
  route: CompiledRoute,
  view: ClientView,
  startedAt: number,
  from = 0,
): boolean | Promise<boolean> {
  const stages = route.upgradeStages;
  for (let i = from; i < stages.length; i++) {
    const stage = stages[i];
    const verdict = stage.check(req, undefined, view, client);
    if (typeof verdict !== 'number') {
      return verdict.then(
        (status) =>
          status === 0
            ? upgradeAnsweredByStages(ctx, req, client, route, view, startedAt, i + 1)
            : answerUpgradeStage(ctx, req, client, route, stage, status, startedAt),
        (error: unknown) => {
          ctx.log.warn('request stage failed', { route: route.route.id, error: String(error) });
          return answerUpgradeStage(ctx, req, client, route, undefined, STAGE_FAILED, startedAt);
        },
      );
    }
    if (verdict !== 0) return answerUpgradeStage(ctx, req, client, route, stage, verdict, startedAt);
  }
  return false;
}

function answerUpgradeStage(
  ctx: ProxyContext,
  req: IncomingMessage,
  client: Duplex,
  route: CompiledRoute,
  stage: Stage | undefined,
  status: number,
  startedAt: number,
): true {
  // A stage that answered with more than a status (a 401's challenge) has ended the socket itself.
  if (!client.writableEnded && !client.destroyed) answerRaw(client, status);
  reportAnswer(
    ctx,
    req,
    undefined,
    route,
    undefined,
    status,
    startedAt,
    status >= 400 ? stage?.refusal : undefined,
  );
  return true;
}
