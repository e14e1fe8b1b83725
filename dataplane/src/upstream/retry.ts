// When a failed attempt may be sent again, to a different endpoint. Defaults follow nginx's
// `proxy_next_upstream error timeout` (except that a response timeout is never retried), once: a
// connect failure, refused, timed out or TLS (nothing was sent: any method), or a reset before any
// response byte (the upstream may have acted: idempotent methods only, RFC 9110 §9.2.2). Never
// after the response started, never a request whose body has begun to stream (it cannot be
// replayed). A route may add 502/503/504 answers (idempotent requests only).
import type { IncomingMessage } from 'node:http';
import type { RetryPolicy } from '../table/types.ts';
import { isConnectFailure, isRefusedAtOnce, upstreamErrorReason } from './errors.ts';
import { DEFAULT_BUDGET_PERCENT } from './retry-budget.ts';

export interface CompiledRetry {
  /** Extra attempts after the first. */
  attempts: number;
  onConnectFailure: boolean;
  onReset: boolean;
  /** Upstream answers retried elsewhere (idempotent requests only): from `on: ['503', …]`. */
  onStatus: number[];
  budgetPercent: number;
}

export const DEFAULT_RETRY: CompiledRetry = {
  attempts: 1,
  onConnectFailure: true,
  onReset: true,
  onStatus: [],
  budgetPercent: DEFAULT_BUDGET_PERCENT,
};

export function compileRetry(policy: RetryPolicy | undefined): CompiledRetry {
  if (policy === undefined) return DEFAULT_RETRY;
  return {
    attempts: Math.max(0, Math.floor(policy.attempts)),
    onConnectFailure: policy.on.includes('connect-failure'),
    onReset: policy.on.includes('reset'),
    onStatus: policy.on.filter((c) => c === '502' || c === '503' || c === '504').map(Number),
    budgetPercent: policy.budgetPercent ?? DEFAULT_BUDGET_PERCENT,
  };
}

export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * The request body can still be sent again: there is none, or not a byte of it was read (from
 * the client, nor from the body stage that times and counts it, proxy/body-guard.ts).
 */
export function bodyReplayable(req: IncomingMessage, body: unknown): boolean {
  if (body === null || body === undefined) return true;
  if (req.readableDidRead || req.destroyed) return false;
  const stream = body as { readableDidRead?: boolean; destroyed?: boolean };
  return stream.readableDidRead !== true && stream.destroyed !== true;
}

/** May this error on this request be retried under `policy` (attempt count and budget aside)? */
export function retryableFailure(
  policy: CompiledRetry,
  method: string,
  error: Error & { code?: string },
  bodyUntouched: boolean,
): boolean {
  if (!bodyUntouched) return false;
  if (isConnectFailure(error)) return policy.onConnectFailure;
  return policy.onReset && upstreamErrorReason(error) === 'reset' && IDEMPOTENT.has(method);
}

/**
 * Does retrying this failure (undefined: a retried status) spend the retry budget? Not a connection
 * refused at once: it reached no application and cost nothing to wait for, so a retry multiplies no
 * load — and it is what a pod draining after SIGTERM answers until its endpoint update arrives.
 */
export function retrySpendsBudget(error: (Error & { code?: string }) | undefined): boolean {
  return error === undefined || !isRefusedAtOnce(error);
}
