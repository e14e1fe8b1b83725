// IP lists and rate limits. Every key restricts access; not honoured, it fails closed.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const NEXT = 'not implemented yet (access-control annotations are the next issue)';
// ingress-nginx's ratelimit parser treats 0 as "no limit" (nginx's limit_rate 0 likewise).
const ZERO = ['0'];

export const sourceRanges: AnnotationEntry[] = [
  ...family(
    'Whitelist source range',
    `${DOCS}#whitelist-source-range`,
    [
      {
        key: 'whitelist-source-range',
        status: 'pending',
        note: `only these client CIDRs are served: ${NEXT}`,
      },
    ],
    true,
  ),
  ...family(
    'Whitelist source range',
    'ingress-nginx internal/ingress/annotations/ipallowlist (undocumented alias)',
    [{ key: 'allowlist-source-range', status: 'pending', note: `alias of whitelist-source-range: ${NEXT}` }],
    true,
  ),
  ...family(
    'Denylist source range',
    `${DOCS}#denylist-source-range`,
    [{ key: 'denylist-source-range', status: 'pending', note: `these client CIDRs are refused: ${NEXT}` }],
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
