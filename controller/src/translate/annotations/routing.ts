// Paths, rewrites, redirects and request/response rewriting of one location.
import type {
  HeaderModifierFilter,
  HttpsRedirectForm,
  RequestRedirectFilter,
  UrlRewriteFilter,
} from '../../../../dataplane/src/table/types.ts';
import { type AnnotationEntry, DOCS, family } from './types.ts';
import { type AnnotationValues, hasControlCharacter } from './values.ts';

export const rewrites: AnnotationEntry[] = [
  ...family('Rewrite', `${DOCS}#rewrite`, [
    {
      key: 'rewrite-target',
      status: 'difference',
      note: 'path sent upstream, with $0…$9 capture groups of the path regex; the query is kept; nginx variables ($host…) are refused',
    },
    {
      key: 'app-root',
      status: 'difference',
      note: 'a request for exactly / gets 302 to this path on the same scheme and Host (port kept, query dropped), before any path or HTTPS redirect; nginx variables ($…) are refused',
    },
  ]),
  ...family('Use Regex', `${DOCS}#use-regex`, [
    {
      key: 'use-regex',
      status: 'difference',
      note: 'paths as case-insensitive regexes anchored at the start, longest first, on every path of the host; RE2 syntax (no lookaround or back-references)',
    },
  ]),
  ...family('Enable Rewrite Log', `${DOCS}#enable-rewrite-log`, [
    {
      key: 'enable-rewrite-log',
      status: 'refused',
      note: "nginx's rewrite debug log; Gatehouse has no nginx rewrite engine to log",
    },
  ]),
  ...family('X-Forwarded-Prefix Header', `${DOCS}#x-forwarded-prefix-header`, [
    { key: 'x-forwarded-prefix', status: 'supported', note: 'X-Forwarded-Prefix sent upstream' },
  ]),
  ...family('Custom NGINX upstream vhost', `${DOCS}#custom-nginx-upstream-vhost`, [
    { key: 'upstream-vhost', status: 'supported', note: 'Host header sent upstream' },
  ]),
];

export const redirects: AnnotationEntry[] = [
  ...family('Permanent Redirect', `${DOCS}#permanent-redirect`, [
    {
      key: 'permanent-redirect',
      status: 'difference',
      note: "redirect to an http(s) URL without query, or to a path (/new) on the request's scheme and Host name; the request's query is appended",
    },
    {
      key: 'permanent-redirect-code',
      status: 'difference',
      note: '301 by default; 300-308, and Gatehouse answers 300/304/305/306 with 301',
    },
  ]),
  ...family('Temporal Redirect', `${DOCS}#temporal-redirect`, [
    {
      key: 'temporal-redirect',
      status: 'difference',
      note: "temporary redirect to an http(s) URL without query; the request's query is appended; wins over permanent-redirect",
    },
    {
      key: 'temporal-redirect-code',
      status: 'difference',
      note: '302 by default; 300-307, and Gatehouse answers 300/304/305/306 with 302',
    },
  ]),
  ...family(
    'Server-side HTTPS enforcement through redirect',
    `${DOCS}#server-side-https-enforcement-through-redirect`,
    [
      {
        key: 'ssl-redirect',
        status: 'difference',
        note: '"false" serves this Ingress\'s paths of a TLS host over plain HTTP too; true (308) by default; the Location drops one trailing slash unless preserve-trailing-slash',
      },
      {
        key: 'force-ssl-redirect',
        status: 'difference',
        note: "HTTP→HTTPS redirect (308) of this Ingress's paths even without a TLS section; the Location drops one trailing slash unless preserve-trailing-slash",
      },
      {
        key: 'preserve-trailing-slash',
        status: 'difference',
        note: 'keeps the trailing slash in the HTTPS redirect; without it one trailing slash of a URI without query is dropped (/a/ → /a, / → an empty path), as ingress-nginx does, on every path the Ingress serves (a path no route of the host holds keeps its slash)',
      },
    ],
  ),
  ...family('Redirect from/to www', `${DOCS}#redirect-fromto-www`, [
    {
      key: 'from-to-www-redirect',
      status: 'difference',
      note: "www.host redirects (308) to host, or the reverse for a www. rule, keeping path, query and the Host's port, unless another Ingress serves that name; the trailing slash is kept and HTTPS uses the name's own certificate",
    },
  ]),
  ...family(
    'Redirects (undocumented)',
    'ingress-nginx internal/ingress/annotations/redirect, portinredirect',
    [
      {
        key: 'relative-redirects',
        status: 'supported',
        note: 'a path-only permanent-redirect (e.g. /new-location) answers with that path as Location instead of scheme://host/path; the other redirects are absolute in ingress-nginx too',
      },
      {
        key: 'use-port-in-redirects',
        status: 'difference',
        note: 'the HTTPS redirect names --https-redirect-port even when 443, and a path-only permanent-redirect keeps the port of the Host header (nginx: its listening port); without it the HTTPS redirect still names --https-redirect-port when it is not 443 (ingress-nginx: never)',
      },
    ],
  ),
];

export const hostsAndHeaders: AnnotationEntry[] = [
  ...family('Server Alias', `${DOCS}#server-alias`, [
    {
      key: 'server-alias',
      status: 'difference',
      note: "more host names served by the rule host's routes and certificate; a name that is another Ingress's rule host is skipped; DNS names and *.name wildcards only (no nginx regex or name.* names)",
    },
  ]),
  ...family('Custom Headers', `${DOCS}#custom-headers`, [
    {
      key: 'custom-headers',
      status: 'supported',
      note: "namespace/name of a ConfigMap in the Ingress's own namespace; its keys are set as response headers on every answer of the routes; only names listed in --global-allowed-response-headers (default none, as ingress-nginx since v1.12); a missing ConfigMap, another namespace, a bad name or value, or more than 64 headers answer 503 (LocationDenied); a ConfigMap change applies at once (ingress-nginx: only on the next reload)",
    },
  ]),
  ...family('Proxy redirect', `${DOCS}#proxy-redirect`, [
    {
      key: 'proxy-redirect-from',
      status: 'difference',
      note: 'Location (and Refresh url=) of upstream answers starting with this text get proxy-redirect-to instead; plain text only (no ~regex); "default" rewrites nothing, as ingress-nginx\'s internal proxy_pass URL never matches',
    },
    {
      key: 'proxy-redirect-to',
      status: 'supported',
      note: 'the replacement of proxy-redirect-from; ignored when that is off or default',
    },
  ]),
  ...family('Proxy cookie domain', `${DOCS}#proxy-cookie-domain`, [
    {
      key: 'proxy-cookie-domain',
      status: 'difference',
      note: '"from to": a Set-Cookie Domain equal to from (any case, leading dot kept) becomes to; plain text only (no ~regex)',
    },
  ]),
  ...family('Proxy cookie path', `${DOCS}#proxy-cookie-path`, [
    {
      key: 'proxy-cookie-path',
      status: 'difference',
      note: '"from to": a Set-Cookie Path starting with from gets to instead; plain text only (no ~regex)',
    },
  ]),
];

// --- Parsers (ingress-nginx internal/ingress/annotations/redirect, upstreamvhost, xforwardedprefix).

/** redirect/redirect.go: permanent codes 300-308 (default 301), temporal 300-307 (default 302). */
const PERMANENT = { key: 'permanent-redirect', codeKey: 'permanent-redirect-code', fallback: 301, max: 308 };
const TEMPORAL = { key: 'temporal-redirect', codeKey: 'temporal-redirect-code', fallback: 302, max: 307 };
/** The statuses a RequestRedirect can carry. */
const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;
/** RFC 9110 host: a DNS name or IP literal, optional port. */
export const HOST =
  /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/;

/**
 * temporal-redirect wins over permanent-redirect, as in redirect.go; the code annotation out of its
 * range falls back to the default. Differences: the request's query is appended to the target (the
 * target may hold none), and 300/304/305/306 are answered with the default code.
 */
export function parseRedirect(
  values: AnnotationValues,
  form: RedirectForm = { https: {}, relative: false, port: false },
): RequestRedirectFilter | undefined {
  for (const kind of [TEMPORAL, PERMANENT]) {
    const target = values.text(kind.key);
    if (target === undefined) continue;
    // redirect.go checks only temporal-redirect as a URL: nginx `return 301 /path` makes a path absolute.
    if (kind === PERMANENT && target.startsWith('/')) return pathRedirect(values, target, form);
    const url = URL.canParse(target) ? new URL(target) : undefined;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return values.invalid(kind.key, target, 'it is not an absolute http or https URL');
    }
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      return values.invalid(
        kind.key,
        target,
        'Gatehouse redirects to URLs without credentials, query or fragment',
      );
    }
    const filter: RequestRedirectFilter = {
      type: 'RequestRedirect',
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      hostname: url.hostname,
      path: { type: 'ReplaceFullPath', value: url.pathname },
      statusCode: redirectCode(values, kind),
    };
    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    filter.port = url.port === '' ? defaultPort : Number(url.port);
    return filter;
  }
  return undefined;
}

function redirectCode(values: AnnotationValues, kind: typeof PERMANENT): RequestRedirectFilter['statusCode'] {
  let code = values.integer(kind.codeKey) ?? kind.fallback;
  if (code < 300 || code > kind.max) code = kind.fallback;
  const statusCode = REDIRECT_CODES.find((c) => c === code);
  if (statusCode === undefined) {
    values.invalid(kind.codeKey, String(code), `Gatehouse redirects with ${REDIRECT_CODES.join(', ')}`);
  }
  return statusCode ?? (kind.fallback as 301 | 302);
}

/** A path of RFC 3986 characters (no nginx `$variable`), never `//` (another host, §4.2). */
const REDIRECT_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!&'()*+,;=:@%/]*$/;

/**
 * A path-only permanent-redirect, as nginx's `return 301 /path` answers it: on the request's
 * scheme and Host name, the port only with use-port-in-redirects (the Host's; nginx names its
 * listening port), and with relative-redirects the path alone (absolute_redirect off).
 */
function pathRedirect(
  values: AnnotationValues,
  target: string,
  form: RedirectForm,
): RequestRedirectFilter | undefined {
  if (!REDIRECT_PATH.test(target)) {
    return values.invalid(
      PERMANENT.key,
      target,
      'a path target holds only RFC 3986 path characters (no query, fragment or $variable) and does not start with //',
    );
  }
  const filter: RequestRedirectFilter = {
    type: 'RequestRedirect',
    path: { type: 'ReplaceFullPath', value: target },
    statusCode: redirectCode(values, PERMANENT),
  };
  if (form.relative) filter.relative = true;
  else if (form.port) filter.keepRequestPort = true;
  return filter;
}

/** How ingress-nginx writes the redirects it generates (lua_ingress.lua, nginx.tmpl). */
export interface RedirectForm {
  https: HttpsRedirectForm;
  /** relative-redirects: nginx absolute_redirect off. */
  relative: boolean;
  /** use-port-in-redirects: nginx port_in_redirect on, and the Lua HTTPS redirect's port. */
  port: boolean;
}

/**
 * preserve-trailing-slash, use-port-in-redirects and relative-redirects, all "false" by default
 * (rewrite/main.go, portinredirect/main.go, redirect/redirect.go); an invalid one keeps its default.
 */
export function parseRedirectForm(values: AnnotationValues): RedirectForm {
  const preserve = values.boolean('preserve-trailing-slash') === true;
  const port = values.boolean('use-port-in-redirects') === true;
  const relative = values.boolean('relative-redirects') === true;
  const https: HttpsRedirectForm = {};
  if (!preserve) https.trimTrailingSlash = true;
  if (port) https.alwaysNamePort = true;
  return { https, relative, port };
}

/**
 * force-ssl-redirect, else ssl-redirect "false" (rewrite/main.go; lua_ingress.lua redirect_to_https:
 * forced wins, ssl-redirect alone redirects only where the host has a certificate, which is the
 * host's own default). Both are read first, so an invalid one is reported whatever the other says.
 */
export function parseHttpsRedirect(values: AnnotationValues): boolean | undefined {
  const force = values.boolean('force-ssl-redirect');
  const ssl = values.boolean('ssl-redirect');
  if (force === true) return true;
  return ssl === false ? false : undefined;
}

/** upstream-vhost: the Host header sent to the backend (nginx proxy_set_header Host). */
export function parseUpstreamVhost(values: AnnotationValues): UrlRewriteFilter | undefined {
  const host = values.text('upstream-vhost');
  if (host === undefined) return undefined;
  if (!HOST.test(host))
    return values.invalid('upstream-vhost', host, 'it is not a host name (with optional port)');
  return { type: 'URLRewrite', hostname: host.toLowerCase() };
}

/** x-forwarded-prefix: sets X-Forwarded-Prefix to the value sent upstream. */
export function parseForwardedPrefix(values: AnnotationValues): HeaderModifierFilter | undefined {
  const prefix = values.text('x-forwarded-prefix');
  if (prefix === undefined) return undefined;
  // A header value: no control characters (RFC 9110 §5.5).
  if (hasControlCharacter(prefix)) {
    return values.invalid('x-forwarded-prefix', prefix, 'a header value holds no control characters');
  }
  return { type: 'RequestHeaderModifier', set: [{ name: 'X-Forwarded-Prefix', value: prefix }] };
}

/** use-regex (rewrite/main.go): a boolean, false by default. */
export function parseUseRegex(values: AnnotationValues): boolean {
  return values.boolean('use-regex') === true;
}

/** rewrite/main.go validates rewrite-target with parser.RegexPathWithCapture. */
const REWRITE_TARGET = /^\/?[-._~a-zA-Z0-9/:$]*$/;

/**
 * rewrite-target: the path sent upstream; `$0`…`$9` are the path regex's captures. An invalid value
 * is read as empty (no rewrite), as ingress-nginx does. Difference: nginx would also expand its
 * variables (`$host`, `$uri`); Gatehouse refuses a `$` not followed by a digit.
 */
export function parseRewriteTarget(values: AnnotationValues): string | undefined {
  const target = values.text('rewrite-target');
  if (target === undefined) return undefined;
  if (!REWRITE_TARGET.test(target)) {
    return values.invalid('rewrite-target', target, 'it may hold only letters, digits, "-._~/:" and $1…$9');
  }
  if (/\$(?![0-9])/.test(target)) {
    return values.invalid('rewrite-target', target, 'Gatehouse substitutes $0…$9 only, no nginx variables');
  }
  return target;
}
