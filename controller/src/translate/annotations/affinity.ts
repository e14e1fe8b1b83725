// Session affinity: a cookie pins a client to one endpoint.
import type { BalancerPolicy, CookieSpec } from '../../../../dataplane/src/table/types.ts';
import { type AnnotationEntry, DOCS, family } from './types.ts';
import { type AnnotationValues, hasControlCharacter } from './values.ts';

export const affinity: AnnotationEntry[] = [
  ...family('Session Affinity', `${DOCS}#session-affinity`, [
    {
      key: 'affinity',
      status: 'supported',
      note: 'cookie affinity to one endpoint (consistent hash on the cookie)',
    },
    {
      key: 'affinity-mode',
      status: 'supported',
      note: 'balanced (default): the cookie is hashed on a ring, so a scale-up moves some sessions to new endpoints; persistent: the cookie names its endpoint, and a session moves only when that endpoint is gone',
    },
    {
      key: 'affinity-canary-behavior',
      status: 'supported',
      note: 'read on the canary Ingress: sticky (default) gives the canary the main affinity and keeps a client pinned to the group its cookie names before header, cookie or weight; legacy leaves the canary its own balancing',
    },
  ]),
  ...family('Cookie affinity', `${DOCS}#cookie-affinity`, [
    {
      key: 'session-cookie-name',
      status: 'supported',
      note: 'affinity cookie name (default INGRESSCOOKIE)',
    },
    {
      key: 'session-cookie-path',
      status: 'difference',
      note: 'affinity cookie Path; without it Path=/ (ingress-nginx: the location path)',
    },
    {
      key: 'session-cookie-domain',
      status: 'supported',
      note: 'affinity cookie Domain (a DNS name, optional leading ".")',
    },
    {
      key: 'session-cookie-expires',
      status: 'difference',
      note: 'seconds, sent as Max-Age when session-cookie-max-age is absent',
    },
    { key: 'session-cookie-max-age', status: 'supported', note: 'affinity cookie Max-Age, in seconds' },
    {
      key: 'session-cookie-samesite',
      status: 'supported',
      note: 'affinity cookie SameSite (None, Lax, Strict; any case); none sent without it',
    },
    {
      key: 'session-cookie-conditional-samesite-none',
      status: 'supported',
      note: "SameSite=None left out for ingress-nginx's list of user agents that reject it",
    },
    {
      key: 'session-cookie-secure',
      status: 'supported',
      note: 'Secure on every affinity cookie; without it, Secure when the request came over TLS',
    },
    {
      key: 'session-cookie-change-on-failure',
      status: 'difference',
      note: 'true: the cookie is re-issued for the endpoint a retry reached; false: the retry still goes to another endpoint (ingress-nginx: the same one) and the cookie stays',
    },
  ]),
];

const DEFAULT_COOKIE = 'INGRESSCOOKIE';
/** The spelling browsers document (RFC 6265bis §4.1.2.7); ingress-nginx accepts any case. */
const SAME_SITE = { none: 'None', lax: 'Lax', strict: 'Strict' } as const;
/** sessionaffinity/main.go BasicCharsRegex for cookie names, RFC 6265 token characters kept simple. */
const COOKIE_NAME = /^[A-Za-z0-9_.-]+$/;
/** A cookie Domain (RFC 6265 §4.1.2.3): a DNS name, optionally with the leading dot browsers ignore. */
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
/** sessionaffinity/main.go affinityCookieExpiresRegex: whole seconds. */
const SECONDS = { type: 'integer', minimum: 0 };

/**
 * affinity: cookie (annotations.md#session-affinity, sessionaffinity/main.go): the cookie
 * (session-cookie-name, default INGRESSCOOKIE) pins the client to one endpoint by consistent hash.
 * Max-Age from session-cookie-max-age, else session-cookie-expires (both seconds). Without a
 * session-cookie-path the cookie's Path is / (ingress-nginx: the location's path). SameSite,
 * Domain and a forced Secure as balancer/sticky.lua sets them; HttpOnly always. Every value is
 * validated to a fixed alphabet here (and again by the table schema): none becomes header syntax.
 */
export function parseAffinity(values: AnnotationValues): BalancerPolicy | undefined {
  const kind = values.option('affinity', ['cookie'] as const);
  // sessionaffinity/main.go ValidateOptions(…, caseSensitive true); balancer.lua picks
  // sticky_persistent for "persistent", sticky_balanced for anything else.
  const mode = values.exactOption('affinity-mode', ['balanced', 'persistent'] as const);
  if (kind !== 'cookie') return undefined;
  let name = values.text('session-cookie-name');
  if (name !== undefined && !COOKIE_NAME.test(name)) {
    name = values.invalid('session-cookie-name', name, 'a cookie name is letters, digits, "_", "." and "-"');
  }
  const setCookie: CookieSpec = { name: name ?? DEFAULT_COOKIE };
  const path = values.text('session-cookie-path');
  if (path !== undefined) {
    if (path.startsWith('/') && !/[\s;,]/.test(path) && !hasControlCharacter(path)) setCookie.path = path;
    else
      values.invalid(
        'session-cookie-path',
        path,
        'a cookie path starts with "/" and holds no space, ";" or ","',
      );
  }
  const ttl =
    values.integer('session-cookie-max-age', SECONDS) ?? values.integer('session-cookie-expires', SECONDS);
  if (ttl !== undefined && ttl > 0) setCookie.ttlSeconds = ttl;
  const domain = values.text('session-cookie-domain');
  if (domain !== undefined) {
    if (domain.length <= 253 && COOKIE_DOMAIN.test(domain)) setCookie.domain = domain;
    else
      values.invalid('session-cookie-domain', domain, 'a cookie domain is a DNS name such as .example.com');
  }
  const sameSite = values.option('session-cookie-samesite', ['none', 'lax', 'strict'] as const);
  if (sameSite !== undefined) setCookie.sameSite = SAME_SITE[sameSite];
  if (values.boolean('session-cookie-conditional-samesite-none') === true)
    setCookie.conditionalSameSiteNone = true;
  if (values.boolean('session-cookie-secure') === true) setCookie.secure = true;
  if (values.boolean('session-cookie-change-on-failure') === true) setCookie.changeOnFailure = true;
  if (mode === 'persistent') setCookie.persistent = true;
  return { type: 'ConsistentHash', on: 'Cookie', name: setCookie.name, setCookie };
}

export type CanaryAffinity = 'sticky' | 'legacy';

/**
 * affinity-canary-behavior, read on the canary Ingress (controller.go mergeAlternativeBackend:
 * `ing` is the canary). "sticky" (default) gives the canary backend the main backend's affinity;
 * "legacy" leaves the canary its own balancing. sessionaffinity/main.go validates the value
 * case-sensitively (ValidateOptions(…, true, true)), so "Legacy" is invalid and sticky applies.
 */
export function parseCanaryAffinity(values: AnnotationValues): CanaryAffinity {
  return values.exactOption('affinity-canary-behavior', ['sticky', 'legacy'] as const) ?? 'sticky';
}
