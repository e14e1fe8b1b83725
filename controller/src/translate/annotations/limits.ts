// IP lists and rate limits. Every key restricts access; not honoured, it fails closed.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const NEXT = 'not implemented yet (access-control annotations are the next issue)';
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
        status: 'pending',
        note: `concurrent connections per client address: ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-rps',
        status: 'pending',
        note: `requests per second per client address: ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-rpm',
        status: 'pending',
        note: `requests per minute per client address: ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-burst-multiplier',
        status: 'pending',
        note: `burst size as a multiple of the limit: ${NEXT}`,
      },
      {
        key: 'limit-rate',
        status: 'pending',
        note: `response bytes per second per connection: ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      {
        key: 'limit-rate-after',
        status: 'pending',
        note: `bytes sent before limit-rate applies: ${NEXT}`,
        unrestrictedValues: ZERO,
      },
      { key: 'limit-whitelist', status: 'pending', note: `client CIDRs exempt from the limits: ${NEXT}` },
    ],
    true,
  ),
  ...family(
    'Rate limiting',
    'ingress-nginx internal/ingress/annotations/ratelimit (undocumented alias)',
    [{ key: 'limit-allowlist', status: 'pending', note: `alias of limit-whitelist: ${NEXT}` }],
    true,
  ),
  // Removed in ingress-nginx v1.12 (changelog/controller-1.12.0.md); an Ingress still carrying them
  // meant to be limited, so they fail closed rather than pass as unknown keys.
  ...family(
    'Global rate limiting (removed)',
    'ingress-nginx changelog/controller-1.12.0.md',
    [
      {
        key: 'global-rate-limit',
        status: 'refused',
        note: 'removed in ingress-nginx v1.12 (needed memcached); use limit-rps',
      },
      {
        key: 'global-rate-limit-window',
        status: 'refused',
        note: 'removed in ingress-nginx v1.12 with global-rate-limit',
      },
      {
        key: 'global-rate-limit-key',
        status: 'refused',
        note: 'removed in ingress-nginx v1.12 with global-rate-limit',
      },
      {
        key: 'global-rate-limit-ignored-cidrs',
        status: 'refused',
        note: 'removed in ingress-nginx v1.12 with global-rate-limit',
      },
    ],
    true,
  ),
];
