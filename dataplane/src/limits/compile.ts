// Route.rateLimit compiled once per table: the zone's buckets (limit-rps and limit-rpm each with
// burst = multiplier × rate, as ingress-nginx's ratelimit parser) and the exempt addresses as a
// BlockList (client-access.ts's compiler: an allow rule, then deny).
import { type CompiledClientAccess, compileClientAccess } from '../proxy/client-access.ts';
import type { BucketSpec } from '../table/messages.ts';
import type { RateLimit } from '../table/types.ts';
import { prefetchFor, type RequestBudget } from './client.ts';

export interface CompiledRateLimit {
  readonly zone: string;
  /** limit_req; undefined: only connections are limited. */
  readonly budget: RequestBudget | undefined;
  /** limit_conn; 0: none. */
  readonly connections: number;
  /** Clients no limit applies to: `clientAllowed(exempt, address)` is true for them. */
  readonly exempt: CompiledClientAccess | undefined;
}

export function compileRateLimit(
  limit: RateLimit | undefined,
  accessCache: Map<string, CompiledClientAccess>,
  problems: string[],
): CompiledRateLimit | undefined {
  if (limit === undefined) return undefined;
  const buckets: BucketSpec[] = [];
  if (limit.rps !== undefined)
    buckets.push({ perMs: limit.rps / 1000, burst: limit.rps * limit.burstMultiplier });
  if (limit.rpm !== undefined)
    buckets.push({ perMs: limit.rpm / 60_000, burst: limit.rpm * limit.burstMultiplier });
  const exempt =
    limit.exempt === undefined || limit.exempt.length === 0
      ? undefined
      : compileClientAccess(
          { rules: [{ action: 'allow', cidrs: limit.exempt }], otherwise: 'deny' },
          accessCache,
          problems,
        );
  return {
    zone: limit.zone,
    budget: buckets.length === 0 ? undefined : { zone: limit.zone, buckets, prefetch: prefetchFor(buckets) },
    connections: limit.connections ?? 0,
    exempt,
  };
}
