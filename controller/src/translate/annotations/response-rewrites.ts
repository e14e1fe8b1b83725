// proxy-redirect-from / -to, proxy-cookie-domain, proxy-cookie-path (ingress-nginx
// annotations.md#proxy-redirect, #proxy-cookie-domain, #proxy-cookie-path; proxy/main.go): nginx
// proxy_redirect and proxy_cookie_* with plain text, as Route.responseRewrites.
import type { ResponseRewrites, TextReplacement } from '../../../../dataplane/src/table/types.ts';
import type { AnnotationValues } from './values.ts';

/** proxy/main.go validates redirects with parser.URLIsValidRegex. */
const URL_TEXT = /^[-._~a-zA-Z0-9/:,?&=]+$/;
/** proxy/main.go cookieDomainRegex: `off`, or two tokens of these characters. */
const DOMAIN_TEXT = /^[-._~a-zA-Z0-9/:]+$/;
/** proxy-cookie-path is checked with URLIsValidRegex, per token. */
const PATH_TEXT = URL_TEXT;

/**
 * Each annotation is "off" by default (ingress-nginx ConfigMap defaults); an invalid one is reported
 * and stays off. Difference: nginx reads a `~` token as a regex; Gatehouse refuses it.
 */
export function parseResponseRewrites(values: AnnotationValues): ResponseRewrites | undefined {
  const rewrites: ResponseRewrites = {};
  const location = parseProxyRedirect(values);
  if (location !== undefined) rewrites.location = location;
  const domain = parsePair(values, 'proxy-cookie-domain', DOMAIN_TEXT);
  if (domain !== undefined) rewrites.cookieDomain = domain;
  const path = parsePair(values, 'proxy-cookie-path', PATH_TEXT);
  if (path !== undefined) rewrites.cookiePath = path;
  return Object.keys(rewrites).length > 0 ? rewrites : undefined;
}

/**
 * nginx.tmpl: from "off" or "default" writes `proxy_redirect off|default` and ignores -to; otherwise
 * both are needed. `default` names ingress-nginx's internal `http://upstream_balancer` URL, which no
 * backend sends, so it rewrites nothing here either.
 */
function parseProxyRedirect(values: AnnotationValues): TextReplacement | undefined {
  const from = values.text('proxy-redirect-from');
  const to = values.text('proxy-redirect-to');
  if (from === undefined || from === 'off' || from === 'default') return undefined;
  if (!token(values, 'proxy-redirect-from', from, URL_TEXT)) return undefined;
  if (to === undefined || to === 'off') {
    return values.invalid('proxy-redirect-from', from, 'it needs proxy-redirect-to, the replacement text');
  }
  if (!token(values, 'proxy-redirect-to', to, URL_TEXT)) return undefined;
  return { from, to };
}

/** proxy_cookie_domain / proxy_cookie_path: `off`, or `from to`. */
function parsePair(values: AnnotationValues, key: string, chars: RegExp): TextReplacement | undefined {
  const value = values.text(key);
  if (value === undefined || value === 'off') return undefined;
  const tokens = value.split(/\s+/);
  if (tokens.length !== 2) return values.invalid(key, value, 'it must be off or two texts: from and to');
  const [from, to] = tokens as [string, string];
  if (!token(values, key, from, chars) || !token(values, key, to, chars)) return undefined;
  return { from, to };
}

function token(values: AnnotationValues, key: string, text: string, chars: RegExp): boolean {
  if (!chars.test(text)) {
    values.invalid(
      key,
      text,
      'it holds characters ingress-nginx does not accept here (spaces, quotes, ;, $…)',
    );
    return false;
  }
  if (text.startsWith('~')) {
    values.invalid(key, text, 'Gatehouse replaces plain text only; nginx regexes (~) are not supported');
    return false;
  }
  return true;
}
