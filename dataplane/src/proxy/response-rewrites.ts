// Route.responseRewrites: nginx proxy_redirect, proxy_cookie_domain and proxy_cookie_path with plain
// text (ngx_http_proxy_module: a case-sensitive prefix for Location, Refresh's url= and a cookie's
// Path; a case-insensitive whole Domain, its leading dot ignored and kept). Compiled once per table.
import type { ResponseRewrites, TextReplacement } from '../table/types.ts';

type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface CompiledResponseRewrites {
  readonly location: TextReplacement | undefined;
  /** `from` lower-case and without a leading dot, as the attribute's value is compared. */
  readonly cookieDomain: TextReplacement | undefined;
  readonly cookiePath: TextReplacement | undefined;
}

/** Undefined when the route rewrites nothing, so its answers take the relay fast path. */
export function compileResponseRewrites(
  rewrites: ResponseRewrites | undefined,
): CompiledResponseRewrites | undefined {
  if (rewrites === undefined) return undefined;
  const { location, cookieDomain, cookiePath } = rewrites;
  if (location === undefined && cookieDomain === undefined && cookiePath === undefined) return undefined;
  return {
    location,
    cookieDomain:
      cookieDomain === undefined
        ? undefined
        : { from: cookieDomain.from.replace(/^\./, '').toLowerCase(), to: cookieDomain.to },
    cookiePath,
  };
}

/** Rewrites Location, Refresh and Set-Cookie of an upstream answer in place. */
export function rewriteResponseHeaders(headers: ResponseHeaders, rewrites: CompiledResponseRewrites): void {
  const location = rewrites.location;
  if (location !== undefined) {
    if (headers.location !== undefined) headers.location = each(headers.location, location, replacePrefix);
    if (headers.refresh !== undefined) headers.refresh = each(headers.refresh, location, rewriteRefresh);
  }
  const cookies = headers['set-cookie'];
  if (cookies !== undefined && (rewrites.cookieDomain !== undefined || rewrites.cookiePath !== undefined)) {
    headers['set-cookie'] = each(cookies, rewrites, rewriteSetCookie);
  }
}

function each<R>(
  value: string | string[],
  rule: R,
  rewrite: (v: string, rule: R) => string,
): string | string[] {
  if (typeof value === 'string') return rewrite(value, rule);
  return value.map((v) => rewrite(v, rule));
}

/** `from` at the start of `value` replaced by `to` (nginx proxy_redirect with text). */
export function replacePrefix(value: string, rule: TextReplacement): string {
  return value.startsWith(rule.from) ? rule.to + value.slice(rule.from.length) : value;
}

/** Refresh: `5; url=http://…` — the part after the first `url=` (any case) is rewritten as a Location. */
export function rewriteRefresh(value: string, rule: TextReplacement): string {
  const at = value.toLowerCase().indexOf('url=');
  if (at === -1) return value;
  const start = at + 4;
  if (!value.startsWith(rule.from, start)) return value;
  return value.slice(0, start) + rule.to + value.slice(start + rule.from.length);
}

/**
 * One Set-Cookie line with its Domain and Path attributes rewritten; attribute names compare
 * case-insensitively (RFC 6265 §5.2), the cookie's own name=value is never touched.
 */
export function rewriteSetCookie(line: string, rewrites: CompiledResponseRewrites): string {
  const parts = line.split(';');
  let changed = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    let next: string | undefined;
    if (name === 'domain' && rewrites.cookieDomain !== undefined)
      next = rewriteDomain(value, rewrites.cookieDomain);
    else if (name === 'path' && rewrites.cookiePath !== undefined)
      next = replacePrefix(value, rewrites.cookiePath);
    if (next === undefined || next === value) continue;
    parts[i] = `${part.slice(0, eq + 1)}${next}`;
    changed = true;
  }
  return changed ? parts.join(';') : line;
}

function rewriteDomain(value: string, rule: TextReplacement): string {
  const dot = value.startsWith('.') ? '.' : '';
  return value.slice(dot.length).toLowerCase() === rule.from ? dot + rule.to : value;
}
