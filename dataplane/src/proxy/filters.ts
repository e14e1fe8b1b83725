// Route filters applied per request. Everything a filter needs is resolved at compile time;
// these functions only apply it.
import { compileBoundedRegex, MAX_REGEX_INPUT, type UserRegex } from '../router/regex.ts';
import type { HeaderModifier, PathModifier, RequestRedirectFilter } from '../table/types.ts';
import { compileSubstitution, type Substitution, substitute } from './substitution.ts';

/** Apply remove/set/add to a flat [name, value, …] list (names compared case-insensitively). */
export function modifyRequestHeaders(headers: string[], modifier: HeaderModifier): string[] {
  const drop = new Set<string>();
  for (const name of modifier.remove ?? []) drop.add(name.toLowerCase());
  for (const h of modifier.set ?? []) drop.add(h.name.toLowerCase());
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!drop.has(headers[i].toLowerCase())) out.push(headers[i], headers[i + 1]);
  }
  for (const h of modifier.set ?? []) out.push(h.name, h.value);
  for (const h of modifier.add ?? []) out.push(h.name, h.value);
  return out;
}

/** Apply remove/set/add to a response header object with lower-case keys. Mutates and returns. */
export function modifyResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
  modifier: HeaderModifier,
): Record<string, string | string[] | undefined> {
  for (const name of modifier.remove ?? []) delete headers[name.toLowerCase()];
  for (const h of modifier.set ?? []) headers[h.name.toLowerCase()] = h.value;
  for (const h of modifier.add ?? []) {
    const key = h.name.toLowerCase();
    const prior = headers[key];
    headers[key] =
      prior === undefined ? h.value : Array.isArray(prior) ? [...prior, h.value] : [prior, h.value];
  }
  return headers;
}

/** A response header change for some statuses only, compiled (compile.ts). */
export interface StatusHeaderModifier {
  statuses: ReadonlySet<number>;
  modifier: HeaderModifier;
}

/** Applies the route's response header changes for `status`: those for every status, then the others. */
export function modifyResponseHeadersFor(
  headers: Record<string, string | string[] | undefined>,
  status: number,
  always: HeaderModifier | undefined,
  byStatus: readonly StatusHeaderModifier[] | undefined,
): void {
  if (always !== undefined) modifyResponseHeaders(headers, always);
  if (byStatus === undefined) return;
  for (let i = 0; i < byStatus.length; i++)
    if (byStatus[i].statuses.has(status)) modifyResponseHeaders(headers, byStatus[i].modifier);
}

/** What a RegexSubstitution or RegexReplace needs per request, compiled once per table (compile.ts). */
export interface PathRegex {
  /** RegexSubstitution: the route's Regex path match (undefined when not a Regex); RegexReplace: its own pattern. */
  regex: UserRegex | undefined;
  parts: Substitution;
  /** RegexReplace: a path the pattern does not match is kept as it is. */
  onlyWhenMatched: boolean;
}

export function compilePathRegex(
  modifier: PathModifier | undefined,
  regex: UserRegex | undefined,
): PathRegex | undefined {
  if (modifier?.type === 'RegexSubstitution')
    return { regex, parts: compileSubstitution(modifier.value), onlyWhenMatched: false };
  if (modifier?.type !== 'RegexReplace') return undefined;
  // nginx's rewrite regex is unanchored: a lazy lead lets it match anywhere, captures unchanged.
  const own = compileBoundedRegex(`(?s:.*?)(?:${modifier.pattern})`, 'start');
  // A pattern the engine refuses (the controller checks first) never matches: nothing is rewritten.
  return {
    regex: own.ok ? own.re : undefined,
    parts: compileSubstitution(modifier.value),
    onlyWhenMatched: true,
  };
}

/** Whether a RegexReplace applies to `path`; any other modifier always does. */
export function pathModifierApplies(path: string, pathRegex: PathRegex | undefined): boolean {
  if (pathRegex === undefined || !pathRegex.onlyWhenMatched) return true;
  const re = pathRegex.regex;
  return re !== undefined && path.length <= MAX_REGEX_INPUT && re.matcher(path).lookingAt();
}

/**
 * The new path for ReplaceFullPath; for ReplacePrefixMatch the matched prefix swapped for the
 * value, element-wise as Gateway API specifies (`/foo` → `/bar` turns `/foo/x` into `/bar/x`); for
 * RegexSubstitution the value with the captures of `pathRegex` (substitution.ts).
 */
export function rewritePath(
  path: string,
  matchedPrefix: string,
  modifier: PathModifier,
  pathRegex?: PathRegex,
): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value;
  if (modifier.type === 'RegexSubstitution') {
    return substitute(path, pathRegex?.regex, pathRegex?.parts ?? compileSubstitution(modifier.value));
  }
  if (modifier.type === 'RegexReplace') {
    if (pathRegex === undefined || !pathModifierApplies(path, pathRegex)) return path;
    return substitute(path, pathRegex.regex, pathRegex.parts);
  }
  const prefix = matchedPrefix === '/' ? '' : matchedPrefix.replace(/\/+$/, '');
  const rest = path.slice(prefix.length);
  const base = modifier.value === '/' ? '' : modifier.value.replace(/\/+$/, '');
  const joined = base + rest;
  return joined === '' ? '/' : joined.startsWith('/') ? joined : `/${joined}`;
}

export function redirectLocation(
  filter: RequestRedirectFilter,
  requestScheme: 'http' | 'https',
  requestHost: string,
  path: string,
  query: string | undefined,
  matchedPrefix: string,
  pathRegex?: PathRegex,
): string {
  const newPath = filter.path ? rewritePath(path, matchedPrefix, filter.path, pathRegex) : path;
  const search = query === undefined || filter.dropQuery === true ? '' : `?${query}`;
  // A path starting `//` would be read as another host (RFC 3986 §4.2): written absolute instead.
  if (filter.relative === true && !newPath.startsWith('//')) return newPath + search;
  const scheme = filter.scheme ?? requestScheme;
  const host = filter.hostname ?? hostWithoutPort(requestHost);
  const defaultPort = scheme === 'https' ? 443 : 80;
  let port = filter.port !== undefined && filter.port !== defaultPort ? `:${filter.port}` : '';
  // nginx `$http_host`: the port the client wrote in Host, as it wrote it.
  if (filter.port === undefined && filter.keepRequestPort === true) port = hostPort(requestHost);
  return `${scheme}://${host}${port}${newPath}${search}`;
}

/** `:port` of a Host header value, or '' when it names none. */
function hostPort(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon === -1 || colon < host.lastIndexOf(']') ? '' : host.slice(colon);
}

export function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
