// The snippet grammar: the nginx directives people put in configuration-snippet / server-snippet,
// each mapped to a typed table value (ingress-nginx annotations.md#configuration-snippet,
// #server-snippet). A directive outside this list, or one whose arguments do not fit, refuses the
// whole snippet: nothing is ever passed on as text to be interpreted.

import { RE2JS } from 're2js';
import { isAddressOrCidr } from '../../../../../dataplane/src/table/cidr.ts';
import {
  type ClientAccessRule,
  type DirectResponseFilter,
  type HeaderModifier,
  MAX_REGEX_SOURCE,
  type RequestRedirectFilter,
  type UrlRewriteFilter,
} from '../../../../../dataplane/src/table/types.ts';
import type { Statement } from './tokenize.ts';

/** What one accepted snippet asks for, typed. */
export interface SnippetRules {
  requestHeaders: Required<HeaderModifier>;
  responseHeaders: Required<HeaderModifier>;
  /** add_header without `always`, and expires: only on nginx's success statuses (SUCCESS_STATUSES). */
  successResponseHeaders: Required<HeaderModifier>;
  /** `return`: answered before anything is proxied. */
  answer?: RequestRedirectFilter | DirectResponseFilter;
  /** `rewrite`: a redirect (redirect, permanent, absolute URL) or the upstream path (break, last). */
  rewrite?: RequestRedirectFilter | UrlRewriteFilter;
  /** `allow` / `deny`, in order; `otherwise` is set by `allow all` / `deny all`. */
  access?: { rules: ClientAccessRule[]; otherwise: 'allow' | 'deny' };
  /** An `allow all` / `deny all` was read: later access rules are never reached. */
  accessEnded?: boolean;
}

/** ngx_http_headers_filter_module: add_header (without `always`) and expires apply to these only. */
export const SUCCESS_STATUSES: readonly number[] = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

export type DirectiveResult = { ok: true } | { ok: false; message: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** Field values: visible ASCII, space, tab, obs-text (RFC 9110 §5.5), as the table's schema. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,8192}$/;
/**
 * Framing and hop-by-hop fields: set from a snippet they would change how the message is delimited
 * (request smuggling) or be dropped by the proxy anyway; Host has its own annotation (upstream-vhost).
 */
const PROTECTED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'host',
]);
/** nginx `$name` / `${name}`: a variable, which would be interpolation. `$1`… only in a rewrite. */
const VARIABLE = /\$(\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*|)/;

const fail = (message: string): DirectiveResult => ({ ok: false, message });
const OK: DirectiveResult = { ok: true };

export function emptyRules(): SnippetRules {
  return {
    requestHeaders: { set: [], add: [], remove: [] },
    responseHeaders: { set: [], add: [], remove: [] },
    successResponseHeaders: { set: [], add: [], remove: [] },
  };
}

/** Applies one directive to `rules`; a refusal leaves `rules` to be thrown away by the caller. */
export function applyDirective(rules: SnippetRules, s: Statement): DirectiveResult {
  const { name, args } = s;
  switch (name) {
    case 'add_header': {
      // nginx: NAME VALUE [always]; without `always` only on SUCCESS_STATUSES.
      if (args.length < 2 || args.length > 3 || (args.length === 3 && args[2] !== 'always'))
        return fail('add_header takes a name, a value and optionally "always"');
      const checked = header(args[0], args[1]);
      if (!checked.ok) return checked;
      const target = args.length === 3 ? rules.responseHeaders : rules.successResponseHeaders;
      // An empty value adds nothing (ngx_http_headers_filter_module).
      if (args[1] !== '') target.add.push({ name: args[0], value: args[1] });
      return OK;
    }
    case 'more_set_headers':
      return setPairs(rules.responseHeaders, args, name);
    case 'more_set_input_headers':
      return setPairs(rules.requestHeaders, args, name);
    case 'more_clear_headers':
      return clear(rules.responseHeaders, args, name);
    case 'more_clear_input_headers':
      return clear(rules.requestHeaders, args, name);
    case 'proxy_hide_header':
      if (args.length !== 1) return fail('proxy_hide_header takes one header name');
      return clear(rules.responseHeaders, args, name);
    case 'proxy_set_header': {
      if (args.length !== 2) return fail('proxy_set_header takes a name and a value');
      const checked = header(args[0], args[1]);
      if (!checked.ok) return checked;
      // An empty value: nginx does not pass the field upstream.
      if (args[1] === '') rules.requestHeaders.remove.push(args[0]);
      else rules.requestHeaders.set.push({ name: args[0], value: args[1] });
      return OK;
    }
    case 'return':
      return returnDirective(rules, args);
    case 'rewrite':
      return rewriteDirective(rules, args);
    case 'allow':
    case 'deny':
      return access(rules, name, args);
    case 'expires':
      return expires(rules, args);
    default:
      return fail(`"${name}" is not in the snippet grammar Gatehouse translates`);
  }
}

function variableIn(value: string): string | undefined {
  const m = VARIABLE.exec(value);
  return m === null ? undefined : m[0] === '$' ? '$' : m[0];
}

function header(name: string, value: string): DirectiveResult {
  if (!TOKEN.test(name)) return fail(`"${name}" is not a header name`);
  if (name.includes('*')) return fail(`"${name}": header name wildcards are not supported`);
  if (PROTECTED.has(name.toLowerCase())) return fail(`"${name}" cannot be set or removed from a snippet`);
  const variable = variableIn(name) ?? variableIn(value);
  if (variable !== undefined)
    return fail(
      `the nginx variable ${variable} is not supported (values are taken literally, never interpolated)`,
    );
  if (!FIELD_VALUE.test(value)) return fail(`the value of "${name}" holds characters a header may not`);
  return OK;
}

/** headers-more `"Name: value"` arguments; `"Name:"` clears. Its -s / -t / -r options are refused. */
function setPairs(modifier: Required<HeaderModifier>, args: string[], directive: string): DirectiveResult {
  if (args.length === 0) return fail(`${directive} takes one or more "Name: value" arguments`);
  for (const arg of args) {
    if (arg.startsWith('-')) return fail(`${directive} option ${arg} is not supported`);
    const colon = arg.indexOf(':');
    if (colon === -1) return fail(`${directive} "${arg}" is not "Name: value"`);
    const name = arg.slice(0, colon).trim();
    const value = arg.slice(colon + 1).trim();
    const checked = header(name, value);
    if (!checked.ok) return checked;
    if (value === '') modifier.remove.push(name);
    else modifier.set.push({ name, value });
  }
  return OK;
}

function clear(modifier: Required<HeaderModifier>, args: string[], directive: string): DirectiveResult {
  if (args.length === 0) return fail(`${directive} takes one or more header names`);
  for (const name of args) {
    if (name.startsWith('-')) return fail(`${directive} option ${name} is not supported`);
    const checked = header(name, '');
    if (!checked.ok) return checked;
    modifier.remove.push(name);
  }
  return OK;
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** ngx_http_rewrite_module `return code [text]`, `return code URL`, `return URL`. */
function returnDirective(rules: SnippetRules, args: string[]): DirectiveResult {
  if (rules.answer !== undefined || rules.rewrite !== undefined)
    return fail('only one return or rewrite per snippet is translated');
  if (args.length < 1 || args.length > 2) return fail('return takes a code and optionally a text or URL');
  if (args.length === 1 && /^https?:\/\//.test(args[0])) {
    const redirect = redirectTo(args[0], 302);
    if (!redirect.ok) return redirect;
    rules.answer = redirect.filter;
    return OK;
  }
  if (!/^\d{3}$/.test(args[0])) return fail(`return "${args[0]}" is not a status code`);
  const code = Number(args[0]);
  const text = args[1];
  if (REDIRECT_CODES.has(code)) {
    if (text === undefined) return fail(`return ${code} needs a URL`);
    const redirect = redirectTo(text, code as RequestRedirectFilter['statusCode']);
    if (!redirect.ok) return redirect;
    rules.answer = redirect.filter;
    return OK;
  }
  // 444 closes the connection in nginx; 1xx and 3xx without Location have no sensible answer.
  if (code < 200 || code > 599 || (code >= 300 && code < 400) || code === 444)
    return fail(`return ${code} is not supported (200-299 and 400-599, or a redirect with a URL)`);
  if (text !== undefined) {
    const variable = variableIn(text);
    if (variable !== undefined)
      return fail(`the nginx variable ${variable} is not supported in return's text`);
    if (text.length > 4096) return fail("return's text is longer than 4096 characters");
  }
  rules.answer =
    text === undefined || text === ''
      ? { type: 'DirectResponse', statusCode: code }
      : { type: 'DirectResponse', statusCode: code, body: text };
  return OK;
}

const REDIRECT_URL = /^(https?):\/\/([A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?(\/[^?#\s]*)?(\?)?$/;
/** A path in a Location or request line: visible ASCII without `?` or `#` (Node refuses more in a header). */
const PATH_TEXT = /^\/[\x21-\x22\x24-\x3e\x40-\x7e]{0,4095}$/;

type Redirect = { ok: true; filter: RequestRedirectFilter } | { ok: false; message: string };

/**
 * A redirect target: an absolute http(s) URL or a path (nginx makes it absolute with the request's
 * host). The query is dropped, as nginx's `return` does; a URL with a query of its own is refused.
 */
function redirectTo(target: string, statusCode: RequestRedirectFilter['statusCode']): Redirect {
  const variable = variableIn(target);
  if (variable !== undefined)
    return { ok: false, message: `the nginx variable ${variable} is not supported in a redirect URL` };
  if (target.startsWith('/')) {
    if (!PATH_TEXT.test(target) || target.startsWith('//'))
      return {
        ok: false,
        message: `"${target}" is not a redirect path Gatehouse accepts (no query or spaces)`,
      };
    return {
      ok: true,
      filter: {
        type: 'RequestRedirect',
        statusCode,
        path: { type: 'ReplaceFullPath', value: target },
        keepRequestPort: true,
        dropQuery: true,
      },
    };
  }
  const m = REDIRECT_URL.exec(target);
  const port = m?.[3] === undefined ? undefined : Number(m[3]);
  if (
    m === null ||
    m[5] !== undefined ||
    (port !== undefined && (port < 1 || port > 65535)) ||
    (m[4] !== undefined && !PATH_TEXT.test(m[4]))
  )
    return {
      ok: false,
      message: `"${target}" is not an http(s) URL Gatehouse accepts (no query, user or fragment)`,
    };
  const filter: RequestRedirectFilter = {
    type: 'RequestRedirect',
    statusCode,
    scheme: m[1] as 'http' | 'https',
    hostname: m[2].toLowerCase(),
    path: { type: 'ReplaceFullPath', value: m[4] ?? '/' },
    dropQuery: true,
  };
  if (port !== undefined) filter.port = port;
  return { ok: true, filter };
}

/**
 * `rewrite REGEX REPLACEMENT [last|break|redirect|permanent]` (ngx_http_rewrite_module). The regex
 * runs on RE2 (linear time), unanchored as nginx's; `$1`…`$9` in the replacement are its captures.
 * A replacement starting with http(s):// redirects (302, or 301 with `permanent`); one ending with
 * `?` drops the request's query. Difference: `last` does not search the locations again; the new
 * path goes to the same route's backends, as `break`. No flag is read as `last`.
 */
function rewriteDirective(rules: SnippetRules, args: string[]): DirectiveResult {
  if (rules.answer !== undefined || rules.rewrite !== undefined)
    return fail('only one return or rewrite per snippet is translated');
  if (args.length < 2 || args.length > 3)
    return fail('rewrite takes a regex, a replacement and optionally a flag');
  const [pattern, replacement, flag = 'last'] = args;
  if (!['last', 'break', 'redirect', 'permanent'].includes(flag))
    return fail(`rewrite flag "${flag}" is not last, break, redirect or permanent`);
  if (pattern.length > MAX_REGEX_SOURCE)
    return fail(`the rewrite regex is longer than ${MAX_REGEX_SOURCE} characters`);
  const refusal = regexRefusal(pattern);
  if (refusal !== undefined) return fail(`rewrite regex: ${refusal}`);
  const variable = variableIn(replacement.replace(/\$[1-9]/g, ''));
  if (variable !== undefined)
    return fail(`the nginx variable ${variable} is not supported in a rewrite (only $1-$9)`);
  const dropQuery = replacement.endsWith('?');
  const target = dropQuery ? replacement.slice(0, -1) : replacement;
  const absolute = /^https?:\/\//.test(target);
  const redirectCode = flag === 'permanent' ? 301 : flag === 'redirect' || absolute ? 302 : undefined;
  let path = target;
  let redirect: RequestRedirectFilter | undefined;
  if (absolute) {
    const m = /^(https?):\/\/([A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?(\/.*)?$/.exec(target);
    const port = m?.[3] === undefined ? undefined : Number(m[3]);
    if (m === null || (port !== undefined && (port < 1 || port > 65535)))
      return fail(`"${replacement}" is not a URL Gatehouse accepts (captures only in the path)`);
    path = m[4] ?? '/';
    redirect = {
      type: 'RequestRedirect',
      statusCode: redirectCode as 301 | 302,
      scheme: m[1] as 'http' | 'https',
      hostname: m[2].toLowerCase(),
      path: { type: 'RegexReplace', pattern, value: path },
    };
    if (port !== undefined) redirect.port = port;
  }
  if (!PATH_TEXT.test(path))
    return fail(
      `the rewrite replacement "${replacement}" is not a path (no query, spaces or control characters)`,
    );
  const modifier = { type: 'RegexReplace', pattern, value: path } as const;
  if (redirect === undefined && redirectCode !== undefined)
    redirect = {
      type: 'RequestRedirect',
      statusCode: redirectCode as 301 | 302,
      path: modifier,
      keepRequestPort: true,
    };
  if (redirect !== undefined) {
    if (dropQuery) redirect.dropQuery = true;
    rules.rewrite = redirect;
    return OK;
  }
  if (dropQuery)
    return fail('a rewrite that drops the query ("?" at the end) is only supported for redirects');
  rules.rewrite = { type: 'URLRewrite', path: modifier };
  return OK;
}

/**
 * The worker runs the pattern on RE2 (dataplane/src/router/regex.ts, which says why), unanchored:
 * checked here alone and as the worker wraps it, so the Ingress's owner is told.
 */
function regexRefusal(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    RE2JS.compile(`(?s:.*?)(?:${pattern})`);
    return undefined;
  } catch (err) {
    const detail = (err as Error).message.replace(/^error parsing regexp: /, '');
    return `not RE2 syntax (linear time: no lookaround or back-references): ${detail}`;
  }
}

/** ngx_http_access_module: rules in order, the first that contains the client decides. */
function access(rules: SnippetRules, action: 'allow' | 'deny', args: string[]): DirectiveResult {
  if (args.length !== 1) return fail(`${action} takes one address, CIDR or "all"`);
  const target = args[0];
  rules.access ??= { rules: [], otherwise: 'allow' };
  const list = rules.access;
  if (target === 'all') {
    if (!rules.accessEnded) list.otherwise = action;
    rules.accessEnded = true;
    return OK;
  }
  if (!isAddressOrCidr(target)) return fail(`${action} "${target}" is not an address, CIDR or "all"`);
  // Rules after "all" are never reached (nginx stops at the first match); they change nothing.
  if (rules.accessEnded) return OK;
  const last = list.rules.at(-1);
  if (last !== undefined && last.action === action) last.cidrs.push(target);
  else list.rules.push({ action, cidrs: [target] });
  return OK;
}

const UNITS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  M: 2_592_000,
  y: 31_536_000,
};

/**
 * ngx_http_headers_module `expires`: `off`; `epoch` (Expires in 1970, Cache-Control: no-cache);
 * `max` (Expires in 2037, max-age 10 years); a time (`1h`, `30m`, `1d12h`, bare seconds) gives
 * Cache-Control: max-age; a negative one no-cache. Like add_header, only on SUCCESS_STATUSES.
 * Difference: for a time, Expires (now + time) is not sent — max-age takes precedence over Expires anyway (RFC 9111 §5.3).
 */
function expires(rules: SnippetRules, args: string[]): DirectiveResult {
  if (args.length !== 1) return fail('expires takes one time, epoch, max or off');
  const value = args[0];
  const set = rules.successResponseHeaders.set;
  if (value === 'off') return OK;
  if (value === 'epoch') {
    set.push(
      { name: 'Expires', value: 'Thu, 01 Jan 1970 00:00:01 GMT' },
      { name: 'Cache-Control', value: 'no-cache' },
    );
    return OK;
  }
  if (value === 'max') {
    set.push(
      { name: 'Expires', value: 'Thu, 31 Dec 2037 23:55:55 GMT' },
      { name: 'Cache-Control', value: 'max-age=315360000' },
    );
    return OK;
  }
  const m = /^(-)?((?:\d{1,9}[smhdwMy]?)+)$/.exec(value);
  if (m === null) return fail(`expires "${value}" is not a time like 1h, 30m, 7d, epoch, max or off`);
  let seconds = 0;
  for (const part of m[2].matchAll(/(\d+)([smhdwMy]?)/g))
    seconds += Number(part[1]) * (UNITS[part[2] || 's'] ?? 1);
  if (seconds > 315_360_000) return fail(`expires "${value}" is longer than 10 years`);
  set.push({ name: 'Cache-Control', value: m[1] === '-' ? 'no-cache' : `max-age=${seconds}` });
  return OK;
}
