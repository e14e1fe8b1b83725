// Cookies for session affinity: reading one cookie out of a request's Cookie header, and the
// Set-Cookie line the proxy sends when the policy asks it to issue the cookie itself.
import type { IncomingHttpHeaders } from 'node:http';
import { findCookie } from '../cookie-header.ts';
import type { CookieSpec } from '../table/types.ts';

/** The value of cookie `name` (names compared exactly; a quoted value unquoted), or undefined. */
export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = findCookie(headers.cookie, name, false);
  if (value === undefined) return undefined;
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/**
 * The attributes after `name=value`, built once per table in the four forms a response may need:
 * index `SECURE | NO_SAME_SITE`. Secure when the spec says so or the request came over TLS, and
 * SameSite=None left out for user agents that reject it (ingress-nginx balancer/sticky.lua).
 * HttpOnly always, as ingress-nginx.
 */
export function cookieAttributes(spec: CookieSpec): readonly string[] {
  const forms: string[] = [];
  for (let form = 0; form < 4; form++) {
    let attributes = `; Path=${spec.path ?? '/'}`;
    if (spec.domain !== undefined) attributes += `; Domain=${spec.domain}`;
    attributes += '; HttpOnly';
    if (spec.secure === true || (form & SECURE) !== 0) attributes += '; Secure';
    if (spec.sameSite !== undefined && (form & NO_SAME_SITE) === 0)
      attributes += `; SameSite=${spec.sameSite}`;
    if (spec.ttlSeconds !== undefined && spec.ttlSeconds > 0) attributes += `; Max-Age=${spec.ttlSeconds}`;
    forms.push(attributes);
  }
  return forms;
}

export const SECURE = 1;
export const NO_SAME_SITE = 2;

/**
 * Whether this User-Agent rejects (or mistreats) cookies with SameSite=None: Chrome 40–69, iOS 12
 * and Safari on macOS 10.14, matched as ingress-nginx's util/same_site.lua does (substrings), after
 * https://www.chromium.org/updates/same-site/incompatible-clients.
 */
export function rejectsSameSiteNone(userAgent: string | undefined): boolean {
  if (userAgent === undefined) return false;
  return (
    userAgent.includes('Chrome/4') ||
    userAgent.includes('Chrome/5') ||
    userAgent.includes('Chrome/6') ||
    userAgent.includes('CPU iPhone OS 12') ||
    userAgent.includes('iPad; CPU OS 12') ||
    (userAgent.includes('Macintosh') &&
      userAgent.includes('Intel Mac OS X 10_14') &&
      userAgent.includes('Safari') &&
      !userAgent.includes('Chrome'))
  );
}

/** Cookie values are restricted (RFC 6265 §4.1.1): a request id is reduced to its safe characters. */
export function cookieToken(seed: string): string {
  return seed.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) || 'x';
}
