// limit-rps, limit-rpm, limit-burst-multiplier, limit-connections, limit-allowlist / limit-whitelist
// (ingress-nginx annotations.md#rate-limiting; internal/ingress/annotations/ratelimit/main.go) →
// Route.rateLimit. ingress-nginx names one zone per Ingress (`namespace_name_uid`) and every
// location of that Ingress uses it: all its paths and hosts share one budget per client address.
import type { RateLimit } from '../../../../dataplane/src/table/types.ts';
import { cidrs } from './source-ranges.ts';
import type { AnnotationValues } from './values.ts';

/** ratelimit/main.go defBurst: the burst is five times the rate unless limit-burst-multiplier says. */
export const DEFAULT_BURST_MULTIPLIER = 5;
const ALLOW = 'limit-allowlist';
/** The older name, read when limit-allowlist is absent (ingress-nginx's alias). */
const ALLOW_ALIAS = 'limit-whitelist';
const MAX = 1_000_000_000;

export type RateLimits =
  | { readonly kind: 'none' }
  | { readonly kind: 'limit'; readonly limit: RateLimit }
  | { readonly kind: 'denied' };

/**
 * `zone` names the budget (the Ingress's namespace/name). 0 is "no limit", as ingress-nginx's
 * `Limit > 0` checks; a value that is no integer (or negative, or too large) closes the Ingress
 * (503, a diagnostic) where ingress-nginx would drop the limit silently: it restricts access.
 */
export function parseRateLimits(values: AnnotationValues, zone: string): RateLimits {
  const rps = count(values, 'limit-rps');
  const rpm = count(values, 'limit-rpm');
  const connections = count(values, 'limit-connections');
  const allowKey = values.raw(ALLOW) !== undefined ? ALLOW : ALLOW_ALIAS;
  const raw = values.raw(allowKey);
  // An empty list exempts nobody (ingress-nginx's parseCIDRs of "").
  const exempt = raw === undefined || raw.trim() === '' ? null : cidrs(values, allowKey);
  if (rps === undefined || rpm === undefined || connections === undefined || exempt === undefined)
    return { kind: 'denied' };
  if (rps === 0 && rpm === 0 && connections === 0) return { kind: 'none' };
  // An invalid multiplier is reported and the default applies, as ratelimit/main.go's fallback.
  const burstMultiplier =
    values.integer('limit-burst-multiplier', { type: 'integer', minimum: 1, maximum: 1_000_000 }) ??
    DEFAULT_BURST_MULTIPLIER;
  const limit: RateLimit = { zone, burstMultiplier };
  if (rps > 0) limit.rps = rps;
  if (rpm > 0) limit.rpm = rpm;
  if (connections > 0) limit.connections = connections;
  if (exempt !== null) limit.exempt = exempt;
  return { kind: 'limit', limit };
}

/** A count: 0 when absent; undefined (reported, the Ingress closed) when it is not one. */
function count(values: AnnotationValues, key: string): number | undefined {
  const raw = values.raw(key);
  if (raw === undefined) return 0;
  const text = raw.trim();
  if (!/^\+?[0-9]{1,10}$/.test(text) || Number(text) > MAX) {
    values.denied(key, raw, `it is not a whole number from 0 to ${MAX}`);
    return undefined;
  }
  return Number(text);
}
