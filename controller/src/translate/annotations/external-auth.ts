// auth-url and its family (ingress-nginx annotations.md "External Authentication",
// internal/ingress/annotations/authreq/main.go): the auth service each request is first asked of.
// Every key restricts access, so a value that cannot be honoured closes the Ingress (503), as
// authreq's LocationDenied does; the worker side is dataplane/src/auth/external.ts.
import type { ExternalAuthCache, ExternalAuthKeyPart } from '../../../../dataplane/src/table/types.ts';
import type { AnnotationValues } from './values.ts';

/** Where auth-url points, before it is resolved to a Backend (BackendResolver.resolveExternalAuth). */
export interface ExternalAuthSpec {
  /** A Service of the Ingress's namespace by its cluster DNS name, else any other host (guarded). */
  target: { kind: 'service'; name: string } | { kind: 'external'; host: string };
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  /** The parts the route table carries as they are. */
  path: string;
  hostname: string;
  method?: string;
  signin?: string;
  signinRedirectParam?: string;
  responseHeaders?: string[];
  requestRedirect?: string;
  alwaysSetCookie?: boolean;
  cache?: ExternalAuthCache;
}

/** authreq/main.go's methodsRegex. */
const METHOD = /^(GET|HEAD|POST|PUT|PATCH|DELETE|CONNECT|OPTIONS|TRACE)$/;
/** authreq/main.go's headerRegexp (each auth-response-headers entry). */
const HEADER = /^[a-zA-Z\d\-_]+$/;
/** authreq/main.go's redirectParamRegex. */
const REDIRECT_PARAM = /^[a-zA-Z0-9_.-]+$/;
/** A Service's cluster DNS name: `name.namespace`, `.svc`, `.svc.cluster.local` (as mirror.ts). */
const SERVICE_DNS =
  /^([a-z]([a-z0-9-]{0,61}[a-z0-9])?)\.([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.svc(\.cluster\.local)?)?\.?$/;
/** authreq/main.go defaultCacheDuration. */
export const DEFAULT_AUTH_CACHE_DURATION = '200 202 401 5m';
/** nginx time units (ngx_parse_time): a number without one is seconds. */
const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  M: 2592000,
  y: 31536000,
};
const DURATION = /^((?:\d{3}\s+)*)(\d+)([smhdwMy]?)$/;
/** Variables an auth-cache-key may hold; any other `$name` is refused (never cached under a wrong key). */
const KEY_VARIABLES = new Set(['remote_addr', 'remote_user', 'host', 'request_uri', 'uri', 'args']);
const KEY_VARIABLE = /\$(\{[a-z0-9_]+\}|[a-z0-9_]+)/gi;

export function parseExternalAuth(
  values: AnnotationValues,
  namespace: string,
): ExternalAuthSpec | 'denied' | undefined {
  const raw = values.text('auth-url');
  if (raw === undefined) return undefined;
  let denied = false;
  const deny = (key: string, value: string, why: string) => {
    values.denied(key, value, why);
    denied = true;
  };
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '')
    deny('auth-url', raw, 'it is not an http or https URL');
  else if (raw.includes('$'))
    deny('auth-url', raw, 'nginx variables are not expanded by Gatehouse; name the auth service literally');
  else if (url.username !== '' || url.password !== '')
    deny(
      'auth-url',
      raw,
      'credentials in the URL are not sent; the auth service must take the request as it is',
    );
  else if (url.hash !== '') deny('auth-url', raw, 'a URL fragment is never sent');

  const method = values.text('auth-method');
  if (method !== undefined && !METHOD.test(method)) deny('auth-method', method, 'it is not an HTTP method');

  const responseHeaders = values.text('auth-response-headers');
  const headerList = responseHeaders
    ?.split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (headerList?.some((h) => !HEADER.test(h)))
    deny(
      'auth-response-headers',
      responseHeaders!,
      'each entry must be a header name (letters, digits, - and _)',
    );

  const signin = values.text('auth-signin');
  const signinValid =
    signin === undefined ||
    (!signin.includes('$') &&
      URL.canParse(signin) &&
      ['http:', 'https:'].includes(new URL(signin).protocol) &&
      /^[!-~]+$/.test(signin));
  // Not restricting by itself: without it a 401 is answered 401, as ingress-nginx without auth-signin.
  if (!signinValid)
    values.invalid(
      'auth-signin',
      signin!,
      'it is not an http or https URL (nginx variables are not expanded)',
    );
  const param = values.text('auth-signin-redirect-param');
  const paramValid = param === undefined || REDIRECT_PARAM.test(param);
  if (!paramValid) values.invalid('auth-signin-redirect-param', param!, 'it is not a query parameter name');

  const requestRedirect = values.text('auth-request-redirect');
  const redirectValid = requestRedirect === undefined || /^[ -~]+$/.test(requestRedirect);
  if (!redirectValid)
    values.invalid('auth-request-redirect', requestRedirect!, 'it holds characters a header cannot carry');

  const cache = parseCache(values, deny);
  const alwaysSetCookie = values.boolean('auth-always-set-cookie');
  if (denied || url === undefined) return 'denied';

  const https = url.protocol === 'https:';
  const name = url.hostname.toLowerCase();
  const service = SERVICE_DNS.exec(name);
  const spec: ExternalAuthSpec = {
    target:
      service !== null && service[3] === namespace
        ? { kind: 'service', name: service[1] }
        : { kind: 'external', host: name.replace(/^\[|\]$|\.$/g, '') },
    port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
    protocol: https ? 'HTTPS' : 'HTTP',
    path: `${url.pathname}${url.search}`,
    hostname: url.host,
  };
  if (method !== undefined) spec.method = method;
  if (signin !== undefined && signinValid) spec.signin = signin;
  if (param !== undefined && paramValid) spec.signinRedirectParam = param;
  if (headerList !== undefined && headerList.length > 0)
    spec.responseHeaders = headerList.map((h) => h.toLowerCase());
  if (requestRedirect !== undefined && redirectValid) spec.requestRedirect = requestRedirect;
  if (alwaysSetCookie === true) spec.alwaysSetCookie = true;
  if (cache !== undefined) spec.cache = cache;
  return spec;
}

function parseCache(
  values: AnnotationValues,
  deny: (key: string, value: string, why: string) => void,
): ExternalAuthCache | undefined {
  const keyText = values.text('auth-cache-key');
  const durationText = values.text('auth-cache-duration');
  // authreq/main.go: the duration is parsed (and refused) even without a key; it only applies with one.
  const durations = parseCacheDurations(durationText ?? DEFAULT_AUTH_CACHE_DURATION);
  if (durations === undefined) deny('auth-cache-duration', durationText!, 'it is not "[status …] time[, …]"');
  if (keyText === undefined) return undefined;
  const key = parseCacheKey(keyText);
  if (typeof key === 'string') {
    deny('auth-cache-key', keyText, key);
    return undefined;
  }
  return durations === undefined ? undefined : { key, durations };
}

/** nginx proxy_cache_valid, one per comma: `[code …] time`; a time alone is for 200, 301 and 302. */
export function parseCacheDurations(text: string): ExternalAuthCache['durations'] | undefined {
  const out: ExternalAuthCache['durations'] = [];
  for (const entry of text.split(',')) {
    const m = DURATION.exec(entry.trim());
    if (m === null) return undefined;
    const statuses = m[1].trim() === '' ? [200, 301, 302] : m[1].trim().split(/\s+/).map(Number);
    if (statuses.some((s) => s < 100 || s > 599)) return undefined;
    const seconds = Number(m[2]) * UNIT_SECONDS[m[3] === '' ? 's' : m[3]];
    if (seconds < 1 || seconds > UNIT_SECONDS.y) return undefined;
    out.push({ statuses, seconds });
  }
  return out;
}

/** The key's text and variables in order; a message when it names a variable Gatehouse cannot compute. */
export function parseCacheKey(text: string): ExternalAuthKeyPart[] | string {
  const parts: ExternalAuthKeyPart[] = [];
  let last = 0;
  for (const m of text.matchAll(KEY_VARIABLE)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    last = m.index + m[0].length;
    const written = m[1].replace(/^\{|\}$/g, '');
    const name = written.toLowerCase();
    if (KEY_VARIABLES.has(name)) parts.push({ variable: name as 'host' });
    else if (name.startsWith('http_') && name.length > 5)
      parts.push({ header: name.slice(5).replaceAll('_', '-') });
    else if (name.startsWith('cookie_') && name.length > 7) parts.push({ cookie: written.slice(7) });
    else
      return `$${name} is not a variable Gatehouse computes (it takes $remote_user, $remote_addr, $host, $request_uri, $uri, $args, $http_NAME, $cookie_NAME)`;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  if (parts.some((p) => 'text' in p && p.text.includes('$'))) return 'a $ that names no variable';
  if (parts.length === 0) return 'it is empty';
  return parts;
}
