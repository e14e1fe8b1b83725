// Route.externalAuth: ingress-nginx's auth-url (annotations.md "External Authentication";
// nginx.tmpl's auth location) as nginx's auth_request answers it: a bodiless subrequest with the
// client's headers plus X-Original-URL/-Method, X-Sent-From, X-Real-IP, X-Forwarded-For and
// X-Auth-Request-Redirect; 2xx lets the request go on, 401 and 403 reach the client, anything
// else — the auth service down included — is 500: the request never goes on without a 2xx.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ExternalAuth, ExternalAuthKeyPart } from '../table/types.ts';
import { type CompiledBackend, pickEndpoint } from '../upstream/balancer.ts';
import type { PickClient } from '../upstream/choice.ts';
import { POOLED_SERVERNAME } from '../upstream/pools.ts';

/** Cached answers per route (auth-cache-key): a bounded LRU, the oldest dropped first. */
export const AUTH_CACHE_ENTRIES = 10_000;
/** Longest an auth answer may take: ingress-nginx's default proxy timeouts (60 s). */
export const AUTH_TIMEOUT_MS = 60_000;

/** Headers of the client's request never passed to the auth service (nginx.tmpl sets or clears them). */
const OWN_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'expect',
  'proxy-connection',
  'http2-settings',
  'x-forwarded-proto',
  'x-forwarded-for',
  'x-real-ip',
  'x-original-url',
  'x-original-method',
  'x-original-uri',
  'x-scheme',
  'x-sent-from',
  'x-auth-request-redirect',
  'x-request-id',
]);

/** Statuses nginx's add_header (without `always`) writes to: where auth Set-Cookie goes by default. */
const ADD_HEADER_STATUSES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

export interface CompiledExternalAuth {
  readonly auth: ExternalAuth;
  /** Undefined when the table's backend did not compile: every request is answered 500. */
  readonly backend: CompiledBackend | undefined;
  readonly redirectParam: string;
  readonly responseHeaders: readonly string[];
  readonly cache: AuthCache | undefined;
}

export function compileExternalAuth(
  auth: ExternalAuth,
  backend: CompiledBackend | undefined,
): CompiledExternalAuth {
  return {
    auth,
    backend,
    redirectParam: auth.signinRedirectParam ?? 'rd',
    responseHeaders: auth.responseHeaders ?? [],
    cache: auth.cache === undefined ? undefined : new AuthCache(auth.cache.key, auth.cache.durations),
  };
}

/** What the subrequest and the signin redirect need of the client's request. */
export interface AuthRequest {
  method: string;
  /** $request_uri: the path and query as the client sent them. */
  requestUri: string;
  /** $scheme and $http_host. */
  scheme: string;
  host: string;
  clientAddress: string;
  requestId: string;
  headers: IncomingHttpHeaders;
}

/** The outcome: go on with extra upstream headers (and cookies for the answer), or answer now. */
export type AuthVerdict =
  | { allow: true; upstreamHeaders: string[]; setCookie: string[] | undefined }
  | { allow: false; status: number; headers: Record<string, string | string[]> };

interface AuthAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** Asks the auth service (or the cache); never rejects. */
export async function checkExternalAuth(
  compiled: CompiledExternalAuth,
  request: AuthRequest,
  client: PickClient,
): Promise<AuthVerdict> {
  const cache = compiled.cache;
  const key = cache === undefined ? undefined : cache.keyOf(request);
  let answer = key === undefined ? undefined : cache!.get(key, Date.now());
  if (answer === undefined) {
    answer = await ask(compiled, request, client);
    if (key !== undefined) cache!.set(key, answer, Date.now());
  }
  return verdictOf(compiled, request, answer);
}

async function ask(
  compiled: CompiledExternalAuth,
  request: AuthRequest,
  client: PickClient,
): Promise<AuthAnswer> {
  const backend = compiled.backend;
  const endpoint = backend === undefined ? undefined : pickEndpoint(backend, request.headers, client);
  if (endpoint === undefined) return { status: 500, headers: {} };
  endpoint.health.active++;
  try {
    const res = await endpoint.pool.request({
      path: compiled.auth.path,
      method: (compiled.auth.method ?? request.method) as Dispatcher.HttpMethod,
      headers: subrequestHeaders(compiled.auth, request),
      headersTimeout: AUTH_TIMEOUT_MS,
      bodyTimeout: AUTH_TIMEOUT_MS,
      // undici's request option (missing from its types); see POOLED_SERVERNAME.
      servername: POOLED_SERVERNAME,
    } as Dispatcher.RequestOptions);
    // nginx's auth_request ignores the body: read and dropped, bounded by undici's dump limit.
    await res.body.dump();
    return { status: res.statusCode, headers: res.headers };
  } catch {
    return { status: 500, headers: {} };
  } finally {
    endpoint.health.active--;
  }
}

/** nginx.tmpl's auth location: the client's headers (proxy_pass_request_headers on) and its own. */
export function subrequestHeaders(auth: ExternalAuth, request: AuthRequest): string[] {
  const out: string[] = [];
  const headers = request.headers;
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' HTTP/2 pseudo-header */ || OWN_HEADERS.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  out.push(
    'host',
    auth.hostname,
    'x-request-id',
    request.requestId,
    'x-original-url',
    `${request.scheme}://${request.host}${request.requestUri}`,
    'x-original-method',
    request.method,
    'x-sent-from',
    'nginx-ingress-controller',
    'x-real-ip',
    request.clientAddress,
    'x-forwarded-for',
    request.clientAddress,
    'x-auth-request-redirect',
    auth.requestRedirect ?? request.requestUri,
  );
  // nginx.tmpl: with auth-method set, X-Original-URI and X-Scheme too.
  if (auth.method !== undefined) out.push('x-original-uri', request.requestUri, 'x-scheme', request.scheme);
  return out;
}

function verdictOf(compiled: CompiledExternalAuth, request: AuthRequest, answer: AuthAnswer): AuthVerdict {
  const { status, headers } = answer;
  const cookies = setCookies(headers['set-cookie']);
  if (status >= 200 && status < 300) {
    const upstream: string[] = [];
    for (const name of compiled.responseHeaders) {
      const value = headers[name];
      // nginx's auth_request_set takes the first value; an absent header is sent empty (left out here).
      const first = typeof value === 'string' ? value : value?.[0];
      if (first !== undefined) upstream.push(name, first);
    }
    return { allow: true, upstreamHeaders: upstream, setCookie: cookies };
  }
  const out: Record<string, string | string[]> = {};
  const always = compiled.auth.alwaysSetCookie === true;
  if (status === 401 && compiled.auth.signin !== undefined) {
    out.location = signinLocation(compiled.auth.signin, compiled.redirectParam, request);
    if (cookies !== undefined && (always || ADD_HEADER_STATUSES.has(302))) out['set-cookie'] = cookies;
    return { allow: false, status: 302, headers: out };
  }
  if (status === 401 || status === 403) {
    const challenge = headers['www-authenticate'];
    if (status === 401 && challenge !== undefined) out['www-authenticate'] = challenge;
    if (always && cookies !== undefined) out['set-cookie'] = cookies;
    return { allow: false, status, headers: out };
  }
  if (always && cookies !== undefined) out['set-cookie'] = cookies;
  return { allow: false, status: 500, headers: out };
}

/** Where a 401 sends the client: template.go buildAuthSignURL, `rd=$scheme://$http_host$escaped_request_uri`. */
export function signinLocation(signin: string, param: string, request: AuthRequest): string {
  const url = new URL(signin);
  if (url.searchParams.has(param)) return signin;
  const sep = url.search === '' ? '?' : '&';
  return `${signin}${sep}${param}=${request.scheme}://${request.host}${escapeUri(request.requestUri)}`;
}

/** set-misc's set_escape_uri: everything but letters, digits and `-._~` percent-encoded. */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function setCookies(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : value;
}

/** Whether the auth answer's Set-Cookie goes on an upstream answer of `status` (nginx add_header). */
export function authCookieOn(status: number, always: boolean): boolean {
  return always || ADD_HEADER_STATUSES.has(status);
}

/** auth-cache-key / auth-cache-duration: answers by key, each kept as long as its status allows. */
export class AuthCache {
  readonly #key: readonly ExternalAuthKeyPart[];
  readonly #seconds = new Map<number, number>();
  readonly #entries = new Map<string, { answer: AuthAnswer; until: number }>();

  constructor(
    key: readonly ExternalAuthKeyPart[],
    durations: ReadonlyArray<{ statuses: number[]; seconds: number }>,
  ) {
    this.#key = key;
    for (const d of durations)
      for (const s of d.statuses) if (!this.#seconds.has(s)) this.#seconds.set(s, d.seconds);
  }

  keyOf(request: AuthRequest): string {
    let key = '';
    for (const part of this.#key) key += `${partValue(part, request)}\u0000`;
    return key;
  }

  get(key: string, now: number): AuthAnswer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.until <= now) return undefined;
    this.#entries.set(key, entry); // most recently used last
    return entry.answer;
  }

  set(key: string, answer: AuthAnswer, now: number): void {
    const seconds = this.#seconds.get(answer.status);
    if (seconds === undefined) return;
    this.#entries.delete(key);
    if (this.#entries.size >= AUTH_CACHE_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { answer, until: now + seconds * 1000 });
  }

  get size(): number {
    return this.#entries.size;
  }
}

function partValue(part: ExternalAuthKeyPart, request: AuthRequest): string {
  if ('text' in part) return part.text;
  // $http_host: HTTP/2 carries it as :authority (authRequestOf's host).
  if ('header' in part) return part.header === 'host' ? request.host : joined(request.headers[part.header]);
  if ('cookie' in part) return cookieValue(joined(request.headers.cookie), part.cookie);
  const uri = request.requestUri;
  const q = uri.indexOf('?');
  switch (part.variable) {
    case 'remote_addr':
      return request.clientAddress;
    case 'host':
      return request.host.toLowerCase();
    case 'request_uri':
      return uri;
    case 'uri':
      return q === -1 ? uri : uri.slice(0, q);
    case 'args':
      return q === -1 ? '' : uri.slice(q + 1);
    case 'remote_user':
      return remoteUser(joined(request.headers.authorization));
  }
}

function joined(value: string | string[] | undefined): string {
  return value === undefined ? '' : typeof value === 'string' ? value : value.join(', ');
}

function cookieValue(header: string, name: string): string {
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return '';
}

/** nginx's $remote_user: the user of a Basic Authorization header, else empty. */
function remoteUser(authorization: string): string {
  if (!/^basic /i.test(authorization)) return '';
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  return colon === -1 ? '' : decoded.slice(0, colon);
}
