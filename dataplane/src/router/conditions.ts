// The additional conditions of a route beyond its path: methods, headers, query parameters,
// cookies. Compiled once per table; checked per request without allocating unless a header is an
// array, the query has to be parsed or a cookie value is read.

import type { IncomingHttpHeaders } from 'node:http';
import { findCookie } from '../cookie-header.ts';
import type { RouteMatch, ValueMatch } from '../table/types.ts';
import { compileBoundedRegex, testBounded, type UserRegex } from './regex.ts';

interface ValueTest {
  /** Header and cookie names lower-cased (IncomingHttpHeaders keys are); query names as written. */
  name: string;
  exact: string | undefined;
  re: UserRegex | undefined;
}

export interface Conditions {
  methods: readonly string[] | undefined;
  headers: readonly ValueTest[];
  query: readonly ValueTest[];
  cookies: readonly ValueTest[];
}

export type CompiledConditions =
  | { ok: true; conditions: Conditions | undefined }
  | { ok: false; reason: string };

export function compileConditions(match: RouteMatch): CompiledConditions {
  const methods = match.methods !== undefined && match.methods.length > 0 ? match.methods : undefined;
  const headers: ValueTest[] = [];
  const query: ValueTest[] = [];
  const cookies: ValueTest[] = [];
  for (const h of match.headers ?? []) {
    const test = compileValueTest(h, h.name.toLowerCase());
    if (typeof test === 'string') return { ok: false, reason: `header ${h.name}: ${test}` };
    headers.push(test);
  }
  for (const q of match.queryParams ?? []) {
    const test = compileValueTest(q, q.name);
    if (typeof test === 'string') return { ok: false, reason: `query parameter ${q.name}: ${test}` };
    query.push(test);
  }
  for (const c of match.cookies ?? []) {
    const test = compileValueTest(c, c.name.toLowerCase());
    if (typeof test === 'string') return { ok: false, reason: `cookie ${c.name}: ${test}` };
    cookies.push(test);
  }
  if (methods === undefined && headers.length === 0 && query.length === 0 && cookies.length === 0)
    return { ok: true, conditions: undefined };
  return { ok: true, conditions: { methods, headers, query, cookies } };
}

function compileValueTest(match: ValueMatch, name: string): ValueTest | string {
  if (match.type === 'Exact') return { name, exact: match.value, re: undefined };
  const compiled = compileBoundedRegex(match.value, 'full');
  return compiled.ok ? { name, exact: undefined, re: compiled.re } : compiled.reason;
}

/**
 * Gateway API precedence among routes with the same path (HTTPRouteRule): a method match first,
 * then the most header matches, then the most query-parameter matches, then the most cookie matches
 * (not in Gateway API; ingress-nginx's canary-by-header goes before canary-by-cookie). Negative
 * when `a` goes first.
 */
export function compareConditions(a: RouteMatch, b: RouteMatch): number {
  const methodA = a.methods !== undefined && a.methods.length > 0 ? 1 : 0;
  const methodB = b.methods !== undefined && b.methods.length > 0 ? 1 : 0;
  if (methodA !== methodB) return methodB - methodA;
  const headersA = a.headers?.length ?? 0;
  const headersB = b.headers?.length ?? 0;
  if (headersA !== headersB) return headersB - headersA;
  const queryA = a.queryParams?.length ?? 0;
  const queryB = b.queryParams?.length ?? 0;
  if (queryA !== queryB) return queryB - queryA;
  return (b.cookies?.length ?? 0) - (a.cookies?.length ?? 0);
}

export function conditionsHold(
  c: Conditions,
  method: string,
  headers: IncomingHttpHeaders,
  rawQuery: string | undefined,
): boolean {
  if (c.methods !== undefined && !c.methods.includes(method)) return false;
  for (let i = 0; i < c.headers.length; i++) {
    const test = c.headers[i];
    const value = headers[test.name];
    if (value === undefined) return false;
    // Repeated headers are one comma-separated list (RFC 9110 §5.3); Node keeps set-cookie apart.
    if (!valueHolds(test, typeof value === 'string' ? value : value.join(', '))) return false;
  }
  for (let i = 0; i < c.cookies.length; i++) {
    const test = c.cookies[i];
    const value = cookieValue(headers.cookie, test.name);
    if (value === undefined || !valueHolds(test, value)) return false;
  }
  if (c.query.length === 0) return true;
  const params = queryParams(rawQuery);
  for (let i = 0; i < c.query.length; i++) {
    const test = c.query[i];
    const value = params.get(test.name);
    if (value === undefined || !valueHolds(test, value)) return false;
  }
  return true;
}

function valueHolds(test: ValueTest, value: string): boolean {
  return test.re === undefined ? value === test.exact : testBounded(test.re, value);
}

/** The first cookie named `name` (lower-case) in a Cookie header, as nginx's `$cookie_NAME`. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  return findCookie(header, name, true);
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map();
// One-entry memo: a request whose candidates test the query several times parses it once, and a
// repeated query string is not parsed again. Single-threaded, and parsing is pure.
let memoRaw: string | undefined;
let memoParams: ReadonlyMap<string, string> = NO_PARAMS;

function queryParams(raw: string | undefined): ReadonlyMap<string, string> {
  if (raw === undefined || raw.length === 0) return NO_PARAMS;
  if (raw !== memoRaw) {
    memoParams = parseQuery(raw);
    memoRaw = raw;
  }
  return memoParams;
}

/** `a=1&b=x+y` → decoded name/value pairs; the first occurrence of a name wins (Gateway API). */
export function parseQuery(raw: string): Map<string, string> {
  const params = new Map<string, string>();
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const split = eq === -1 || eq > end ? end : eq;
      const name = decodeComponent(raw.slice(start, split));
      if (!params.has(name))
        params.set(name, split === end ? '' : decodeComponent(raw.slice(split + 1, end)));
    }
    start = end + 1;
  }
  return params;
}

function decodeComponent(s: string): string {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Malformed escapes stay as sent rather than failing the request.
    return spaced;
  }
}
