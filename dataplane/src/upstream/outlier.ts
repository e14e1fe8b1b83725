// Passive outlier detection (Envoy's consecutive gateway failures, nginx's max_fails): an endpoint
// that fails `consecutive` times in a row — connect error, reset, timeout, or a 502/503/504 it
// answered — is ejected for base × 2^(ejections so far), capped; it returns by itself when the
// time is up (health.ts clears it lazily). Never more than `maxEjectionPercent` of a backend's
// endpoints are out at once, so a backend-wide outage still reaches the pods (and answers honestly).
import type { CompiledBackend, UpstreamEndpoint } from './balancer.ts';
import { type EndpointHealth, isEjected } from './health.ts';

export interface OutlierPolicy {
  consecutive: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionPercent: number;
}

export const defaultOutlierPolicy: OutlierPolicy = {
  consecutive: 5,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 50,
};

/** Statuses an endpoint answers when it (or what is behind it) is the failure. */
export function isGatewayFailure(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

export function recordSuccess(health: EndpointHealth, policy = defaultOutlierPolicy, now?: number): void {
  health.consecutiveFailures = 0;
  // A back-off multiplier earned long ago decays one step per healthy base period.
  if (health.ejections > 0 && health.ejectedUntil === 0) {
    const t = now ?? performance.now();
    if (t - health.lastRecovery >= policy.baseEjectionMs) {
      health.ejections--;
      health.lastRecovery = t;
    }
  }
}

/** Counts a failure; true when it ejected the endpoint just now. */
export function recordFailure(
  backend: CompiledBackend,
  endpoint: UpstreamEndpoint,
  policy = defaultOutlierPolicy,
  now?: number,
): boolean {
  const health = endpoint.health;
  health.consecutiveFailures++;
  if (health.consecutiveFailures < policy.consecutive) return false;
  const t = now ?? performance.now();
  if (isEjected(health, t)) return false;
  let ejected = 0;
  for (const e of backend.endpoints) if (e !== endpoint && isEjected(e.health, t)) ejected++;
  if ((ejected + 1) * 100 > backend.endpoints.length * policy.maxEjectionPercent) return false;
  const duration = Math.min(policy.baseEjectionMs * 2 ** health.ejections, policy.maxEjectionMs);
  health.ejectedUntil = t + duration;
  health.ejections++;
  health.consecutiveFailures = 0;
  return true;
}
