// IP lists and rate limits. Every key restricts access; not honoured, it fails closed.
import { type AnnotationEntry, DOCS, family } from './types.ts';

// nginx paces each response's writes; here upstream chunks (up to 64 KiB) would have to be sliced
// and written over time inside the upstream exchange. Until then: 503 unless the value is 0.
const NEXT = 'not implemented yet (needs response pacing in the upstream exchange); fails closed unless 0';
// ratelimit/main.go keys every zone by the client address and names one zone per Ingress.
const PER_CLIENT = 'per client address (--trusted-proxies), one budget per Ingress shared by all its paths';
const BUDGET = 'the workers of a replica share one budget (leases from the primary), replicas do not';
const STRICT = 'a value that is no whole number answers 503 where ingress-nginx drops the limit';
// ingress-nginx's ratelimit parser treats 0 as "no limit" (nginx's limit_rate 0 likewise).
const ZERO = ['0'];

// ingress-nginx ipallowlist/ipdenylist: any entry that is not an address or CIDR (or an empty value)
// denies the location (503); Gatehouse closes the Ingress the same way.
const RANGES =
  'comma-separated IPv4/IPv6 addresses and CIDRs, checked on the client address (--trusted-proxies); 403';
const BAD_RANGE = 'an invalid entry answers 503, as ingress-nginx';

export const sourceRanges: AnnotationEntry[] = [
  ...family(
    'Whitelist source range',
    `${DOCS}#whitelist-source-range`,
    [
      {
        key: 'whitelist-source-range',
        status: 'supported',
        note: `only these clients are served: ${RANGES} to the others; ${BAD_RANGE}`,
      },
    ],
    true,
  ),
  ...family(
    'Whitelist source range',
    'ingress-nginx internal/ingress/annotations/ipallowlist (undocumented alias)',
    [
      {
        key: 'allowlist-source-range',
        status: 'supported',
        note: 'whitelist-source-range under its newer name; it wins when both are set',
      },
    ],
    true,
  ),
  ...family(
    'Denylist source range',
    `${DOCS}#denylist-source-range`,
    [
      {
        key: 'denylist-source-range',
        status: 'supported',
        note: `these clients are refused: ${RANGES}; checked before the allow list; ${BAD_RANGE}`,
      },
    ],
    true,
  ),
];

export const rateLimits: AnnotationEntry[] = [
  ...family(
    'Rate limiting',
    `${DOCS}#rate-limiting`,
    [
      {
        key: 'limit-connections',
        status: 'difference',
        note: `${PER_CLIENT}: requests in progress at once (nginx limit_conn), 503 beyond; ${BUDGET}; ${STRICT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-rps',
        status: 'difference',
        note: `${PER_CLIENT}: requests per second, burst = multiplier × rate (nginx limit_req burst nodelay), 503 beyond; ${BUDGET}; ${STRICT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-rpm',
        status: 'difference',
        note: `${PER_CLIENT}: requests per minute, as limit-rps; both apply when both are set; ${BUDGET}; ${STRICT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-burst-multiplier',
        status: 'supported',
        note: 'burst = multiplier × limit-rps / limit-rpm (default 5); an invalid value is reported and 5 applies',
      },
      {
        key: 'limit-rate',
        status: 'pending',
        note: `response kilobytes per second per connection (nginx limit_rate): ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-rate-after',
        status: 'pending',
        note: `kilobytes sent before limit-rate applies (nginx limit_rate_after): ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-whitelist',
        status: 'difference',
        note: 'client addresses and CIDRs exempt from the limits (limit-allowlist wins when both are set); an invalid entry answers 503',
      },
    ],
    true,
  ),
  ...family(
    'Rate limiting',
    'ingress-nginx internal/ingress/annotations/ratelimit (undocumented alias)',
    [{ key: 'limit-allowlist', status: 'supported', note: 'limit-whitelist under its newer name' }],
    true,
  ),
  // Removed from ingress-nginx in v1.12 (it needed memcached); Gatehouse keeps them, with Redis.
  ...family(
    'Global rate limiting',
    'ingress-nginx v1.11 annotations.md#global-rate-limiting; internal/ingress/annotations/globalratelimit',
    [
      {
        key: 'global-rate-limit',
        status: 'difference',
        note: `requests per window per client address, shared by every replica through --rate-limit-store (Redis/Valkey), 429 beyond; a fixed window where ingress-nginx slid it; without a reachable store each replica counts alone (Warning, metric); ${STRICT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'global-rate-limit-window',
        status: 'supported',
        note: 'a Go duration (1m, 30s) in whole seconds; an invalid one answers 503',
      },
      {
        key: 'global-rate-limit-key',
        status: 'difference',
        note: '$remote_addr (the default) or $binary_remote_addr only; any other key answers 503',
      },
      {
        key: 'global-rate-limit-ignored-cidrs',
        status: 'supported',
        note: 'client addresses and CIDRs never counted; an invalid entry answers 503',
      },
    ],
    true,
  ),
];
