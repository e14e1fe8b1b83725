// Route.rateLimit compiled once per table: the zone's buckets (limit-rps and limit-rpm each with
// burst = multiplier × rate, as ingress-nginx's ratelimit parser) and the exempt addresses as a
// BlockList (client-access.ts's compiler: an allow rule, then deny).
import { type CompiledClientAccess, compileClientAccess } from '../proxy/client-access.ts';
import type { BucketSpec } from '../table/messages.ts';
import type { GlobalRateLimit, RateLimit } from '../table/types.ts';
import type { LimitClient } from './client.ts';
import { prefetchFor, type RequestBudget } from './client.ts';

/** ingress-nginx's limit-req-status-code and limit-conn-status-code. */
const LIMITED = 503;

export interface CompiledRateLimit {
  /** The worker's leases of the replica's budgets; undefined: the limits cannot be kept (503). */
  readonly client: LimitClient | undefined;
  /** The route's limits kept by the replica; zone '' when it has only a global one. */
  readonly zone: string;
  /** limit_req; undefined: only connections are limited. */
  readonly budget: RequestBudget | undefined;
  /** The answer past the limit (limit-req-status-code: 503 unless the table says). */
  readonly status: number;
  /** limit_conn; 0: none. */
  readonly connections: number;
  /** Clients no limit applies to: `clientAllowed(exempt, address)` is true for them. */
  readonly exempt: CompiledClientAccess | undefined;
  /** global-rate-limit: counted in the shared store, one question per request. */
  readonly global: CompiledGlobalLimit | undefined;
}

export interface CompiledGlobalLimit {
  readonly zone: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly exempt: CompiledClientAccess | undefined;
}

export function compileRateLimit(
  limit: RateLimit | undefined,
  global: GlobalRateLimit | undefined,
  client: LimitClient | undefined,
  accessCache: Map<string, CompiledClientAccess>,
  problems: string[],
): CompiledRateLimit | undefined {
  if (limit === undefined && global === undefined) return undefined;
  const buckets: BucketSpec[] = [];
  if (limit?.rps !== undefined)
    buckets.push({ perMs: limit.rps / 1000, burst: limit.burst ?? limit.rps * limit.burstMultiplier });
  if (limit?.rpm !== undefined)
    buckets.push({ perMs: limit.rpm / 60_000, burst: limit.rpm * limit.burstMultiplier });
  const zone = limit?.zone ?? '';
  return {
    client,
    zone,
    budget: buckets.length === 0 ? undefined : { zone, buckets, prefetch: prefetchFor(buckets) },
    status: limit?.statusCode ?? LIMITED,
    connections: limit?.connections ?? 0,
    exempt: exemptList(limit?.exempt, accessCache, problems),
    global:
      global === undefined
        ? undefined
        : {
            zone: global.zone,
            limit: global.limit,
            windowSeconds: global.windowSeconds,
            exempt: exemptList(global.exempt, accessCache, problems),
          },
  };
}

function exemptList(
  cidrs: string[] | undefined,
  accessCache: Map<string, CompiledClientAccess>,
  problems: string[],
): CompiledClientAccess | undefined {
  if (cidrs === undefined || cidrs.length === 0) return undefined;
  return compileClientAccess(
    { rules: [{ action: 'allow', cidrs }], otherwise: 'deny' },
    accessCache,
    problems,
  );
}
