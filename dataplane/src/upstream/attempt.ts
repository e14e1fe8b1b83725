// One request's attempts upstream: in-flight counts (least request, retry budget), the outcome
// fed to outlier detection, and the re-dispatch of a failed attempt to a different endpoint.
// The proxy's Exchange is the Attempt: no extra object per request.
import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CompiledRoute } from '../compile.ts';
import type { CompiledBackend, UpstreamEndpoint } from './balancer.ts';
import { pickEndpoint } from './balancer.ts';
import type { PickClient } from './choice.ts';
import { upstreamErrorReason } from './errors.ts';
import type { UpstreamObserver } from './observer.ts';
import { isGatewayFailure, recordFailure, recordSuccess } from './outlier.ts';
import { POOLED_SERVERNAME } from './pools.ts';
import {
  bodyReplayable,
  type CompiledRetry,
  IDEMPOTENT,
  retryableFailure,
  retrySpendsBudget,
} from './retry.ts';
import { workerRetryBudget } from './retry-budget.ts';

export interface Attempt extends Dispatcher.DispatchHandler {
  readonly req: IncomingMessage;
  readonly route: CompiledRoute;
  /** Where failed attempts, retries and ejections are reported (the worker's metrics). */
  readonly upstreamObserver: UpstreamObserver;
  endpoint: UpstreamEndpoint;
  backend: CompiledBackend | undefined;
  view: PickClient | undefined;
  options: Dispatcher.DispatchOptions | undefined;
  retry: CompiledRetry;
  /** Retries made so far. */
  retries: number;
  /** Endpoints already tried, allocated on the first retry only. */
  tried: UpstreamEndpoint[] | undefined;
  inflight: boolean;
  /** The response was aborted to retry a status: the next attempt starts once the abort lands. */
  redispatch: boolean;
}

function send(attempt: Attempt): void {
  attempt.endpoint.health.active++;
  attempt.inflight = true;
  attempt.endpoint.pool.dispatch(attempt.options!, attempt);
}

/** The first attempt of a request. */
export function dispatchFirst(attempt: Attempt): void {
  // undici's request option (missing from its types); see POOLED_SERVERNAME.
  (attempt.options as { servername?: string }).servername = POOLED_SERVERNAME;
  workerRetryBudget.active++;
  send(attempt);
}

function leave(attempt: Attempt): void {
  if (!attempt.inflight) return;
  attempt.inflight = false;
  attempt.endpoint.health.active--;
}

/**
 * Response headers arrived: the endpoint answered; a 502/503/504 of its own counts against it.
 * True when the route retries that status and another endpoint is tried instead: the caller
 * relays nothing; this response is aborted and the next attempt starts from onResponseError.
 */
export function attemptAnswered(
  attempt: Attempt,
  status: number,
  controller: Dispatcher.DispatchController,
): boolean {
  const backend = attempt.backend;
  if (backend === undefined) return false;
  if (!isGatewayFailure(status)) {
    recordSuccess(attempt.endpoint.health);
    return false;
  }
  if (recordFailure(backend, attempt.endpoint)) attempt.upstreamObserver.onEjection(backend);
  const req = attempt.req;
  if (!attempt.retry.onStatus.includes(status) || !IDEMPOTENT.has(req.method ?? 'GET')) return false;
  if (!bodyReplayable(req, attempt.options?.body) || !moveToNext(attempt, backend, true)) return false;
  attempt.redispatch = true;
  controller.abort(new Error(`upstream answered ${status}: retrying`));
  return true;
}

/**
 * The attempt failed. Returns true when the request was sent again to another endpoint (the
 * caller then does nothing more); false when the error is the request's outcome.
 */
export function attemptFailed(
  attempt: Attempt,
  error: Error & { code?: string },
  responseStarted: boolean,
): boolean {
  leave(attempt);
  if (attempt.redispatch) {
    attempt.redispatch = false;
    send(attempt);
    return true;
  }
  const reason = upstreamErrorReason(error);
  const backend = attempt.backend;
  if (reason === undefined || backend === undefined || responseStarted) return false;
  if (recordFailure(backend, attempt.endpoint)) attempt.upstreamObserver.onEjection(backend);
  const req = attempt.req;
  if (
    !retryableFailure(attempt.retry, req.method ?? 'GET', error, bodyReplayable(req, attempt.options?.body))
  )
    return false;
  if (!moveToNext(attempt, backend, retrySpendsBudget(error))) return false;
  // The exchange's final error is counted when it ends; a retried attempt's error only here.
  attempt.upstreamObserver.onUpstreamError(attempt.route, backend, reason);
  send(attempt);
  return true;
}

/**
 * Point the attempt at an endpoint it has not tried, within the attempt count and (when
 * `budgeted`) the budget.
 */
function moveToNext(attempt: Attempt, backend: CompiledBackend, budgeted: boolean): boolean {
  if (attempt.retries >= attempt.retry.attempts) return false;
  if (budgeted && !workerRetryBudget.allows(attempt.retry.budgetPercent)) return false;
  attempt.tried ??= [];
  attempt.tried.push(attempt.endpoint);
  const next = pickEndpoint(backend, attempt.req.headers, attempt.view, attempt.tried);
  if (next === undefined) return false;
  if (attempt.retries === 0) workerRetryBudget.retrying++;
  attempt.retries++;
  attempt.endpoint = next;
  attempt.upstreamObserver.onRetry(attempt.route, backend);
  return true;
}

/** The request is over (response ended, failed for good, or the client left). Call once. */
export function attemptEnded(attempt: Attempt): void {
  leave(attempt);
  workerRetryBudget.active--;
  if (attempt.retries > 0) workerRetryBudget.retrying--;
}
