// Route.cors: ingress-nginx's enable-cors (nginx.tmpl `define "CORS"`, template.go
// buildCorsOriginRegex). An allowed Origin gets the CORS headers set on the answer; its preflight
// (OPTIONS with Access-Control-Request-Method, Fetch standard §3.2.2) is answered 204 here and never
// sent upstream. Origins are compiled once per table into a set and one-label wildcards.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { CorsPolicy } from '../table/types.ts';

type Headers = Record<string, string | string[] | undefined>;

export interface CompiledCors {
  /** `*`: every request is answered `Access-Control-Allow-Origin: *`, whatever its Origin. */
  readonly anyOrigin: boolean;
  /** Lower-cased origins matched whole. */
  readonly exact: ReadonlySet<string>;
  /** `scheme://*.rest`: lower-cased `scheme://` and `.rest`; the label between is [A-Za-z0-9-]+. */
  readonly wildcards: readonly { readonly head: string; readonly tail: string }[];
  /** The headers every CORS answer carries besides Access-Control-Allow-Origin, name then value. */
  readonly headers: readonly string[];
}

export function compileCors(policy: CorsPolicy | undefined): CompiledCors | undefined {
  if (policy === undefined) return undefined;
  const exact = new Set<string>();
  const wildcards: { head: string; tail: string }[] = [];
  for (const origin of policy.allowOrigins) {
    const lower = origin.toLowerCase();
    const star = lower.indexOf('://*.');
    if (star === -1) exact.add(lower);
    else wildcards.push({ head: lower.slice(0, star + 3), tail: lower.slice(star + 4) });
  }
  const headers: string[] = [];
  if (policy.allowCredentials) headers.push('access-control-allow-credentials', 'true');
  headers.push('access-control-allow-methods', policy.allowMethods);
  headers.push('access-control-allow-headers', policy.allowHeaders);
  if (policy.exposeHeaders !== undefined) headers.push('access-control-expose-headers', policy.exposeHeaders);
  headers.push('access-control-max-age', String(policy.maxAgeSeconds));
  return { anyOrigin: policy.allowOrigins.includes('*'), exact, wildcards, headers };
}

/**
 * The Access-Control-Allow-Origin to send: `*`, the request's Origin as it came when allowed, else
 * undefined. ingress-nginx compares case-insensitively (`~*`); a wildcard stands for one DNS label.
 */
export function allowedOrigin(cors: CompiledCors, origin: string | string[] | undefined): string | undefined {
  if (cors.anyOrigin) return '*';
  if (typeof origin !== 'string') return undefined;
  const lower = origin.toLowerCase();
  if (cors.exact.has(lower)) return origin;
  for (const { head, tail } of cors.wildcards) {
    if (lower.length > head.length + tail.length && lower.startsWith(head) && lower.endsWith(tail)) {
      if (isLabel(lower, head.length, lower.length - tail.length)) return origin;
    }
  }
  return undefined;
}

/** [A-Za-z0-9-]+ (template.go buildOriginRegex's replacement of `*`), on the lower-cased origin. */
function isLabel(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;
    if (!ok) return false;
  }
  return true;
}

/**
 * Answers a CORS preflight from an allowed origin with 204 and the CORS headers, as nginx.tmpl's
 * `return 204` does; returns false (forward it) for any other request. A preflight is OPTIONS
 * with Origin and Access-Control-Request-Method (Fetch §3.2.2).
 */
export function answeredPreflight(req: IncomingMessage, res: ServerResponse, cors: CompiledCors): boolean {
  const headers = req.headers;
  if (req.method !== 'OPTIONS' || headers['access-control-request-method'] === undefined) return false;
  if (headers.origin === undefined) return false;
  const allow = allowedOrigin(cors, headers.origin);
  if (allow === undefined) return false;
  const out: Headers = { server: 'gatehouse' };
  setCorsHeaders(out, cors, allow);
  if (!cors.anyOrigin) out.vary = 'Origin';
  // nginx.tmpl also sets Content-Type and Content-Length: 0, which nginx's header filter drops from
  // a 204 (RFC 9110 §8.6: no Content-Length in a 204), so neither is sent here either.
  res.writeHead(204, out);
  res.end();
  return true;
}

/**
 * The CORS headers on an upstream answer, replacing the upstream's own (more_set_headers). Where
 * the answer depends on the Origin (a list, not `*`), Vary: Origin tells caches so (RFC 9110 §12.5.5).
 */
export function addCorsHeaders(headers: Headers, cors: CompiledCors, request: IncomingHttpHeaders): void {
  const allow = allowedOrigin(cors, request.origin);
  if (allow !== undefined) setCorsHeaders(headers, cors, allow);
  if (!cors.anyOrigin) appendVary(headers, 'Origin');
}

function setCorsHeaders(headers: Headers, cors: CompiledCors, allow: string): void {
  headers['access-control-allow-origin'] = allow;
  const list = cors.headers;
  for (let i = 0; i < list.length; i += 2) headers[list[i]] = list[i + 1];
}

function appendVary(headers: Headers, name: string): void {
  const vary = headers.vary;
  if (vary === undefined) {
    headers.vary = name;
    return;
  }
  const text = Array.isArray(vary) ? vary.join(', ') : vary;
  const lower = name.toLowerCase();
  // `*` already varies on everything (RFC 9110 §12.5.5).
  for (const part of text.split(',')) {
    const token = part.trim().toLowerCase();
    if (token === lower || token === '*') return;
  }
  headers.vary = `${text}, ${name}`;
}
