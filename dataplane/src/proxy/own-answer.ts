// Answers the proxy gives itself (no upstream exchange), reported to the observer through one
// reused record: observers read it synchronously and never keep it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledRoute } from '../compile.ts';
import type { CompiledBackend } from '../upstream/types.ts';
import type { ProxyContext } from './context.ts';
import { answerRequest } from './grpc.ts';
import type { ExchangeEnd } from './observer.ts';
import type { Refusal } from './stages/stage.ts';

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

/** Answers with a bare status (gRPC-aware) and reports it. */
export function ownAnswer(
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
