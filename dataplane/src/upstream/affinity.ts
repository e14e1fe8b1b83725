// Cookies for session affinity: reading one cookie out of a request's Cookie header, and the
// Set-Cookie line the proxy sends when the policy asks it to issue the cookie itself.
import type { IncomingHttpHeaders } from 'node:http';
import type { CookieSpec } from '../table/types.ts';

/** The value of cookie `name` (RFC 6265 §5.4 syntax: `a=1; b=2`), or undefined. */
export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (header === undefined) return undefined;
  let from = 0;
  while (from < header.length) {
    let end = header.indexOf(';', from);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', from);
    if (eq !== -1 && eq < end && header.slice(from, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim();
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    from = end + 1;
  }
  return undefined;
}

/** The attributes after `name=value`, built once per table. */
export function cookieAttributes(spec: CookieSpec): string {
  let attributes = `; Path=${spec.path ?? '/'}; HttpOnly; SameSite=Lax`;
  if (spec.ttlSeconds !== undefined && spec.ttlSeconds > 0) attributes += `; Max-Age=${spec.ttlSeconds}`;
  return attributes;
}

/** Cookie values are restricted (RFC 6265 §4.1.1): a request id is reduced to its safe characters. */
export function cookieToken(seed: string): string {
  return seed.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) || 'x';
}
