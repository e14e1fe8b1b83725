// ingress-nginx's use-regex (docs/user-guide/ingress-path-matching.md): an Ingress's paths become
// case-insensitive regexes anchored at the start (`location ~* "^path"`), and once one location of
// a host uses use-regex or rewrite-target, every path of that host does, from any Ingress
// (template.go enforceRegexModifier). Paths are written as they are: `.` in a Prefix path is a regex.
import { RE2JS } from 're2js';
import { MAX_REGEX_SOURCE, type RouteMatch } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import { hasControlCharacter } from './annotations/values.ts';
import { ingressObject } from './diagnostics.ts';
import type { PathCheck } from './paths.ts';
import { MAX_PATH_LENGTH } from './paths.ts';

/** The part of ingress.ts's RouteClaim this module reads (no import circle). */
interface Claim {
  ingress: { namespace: string; name: string };
  host: string;
  match: RouteMatch['path'];
  id: string;
  field: string;
  written?: { path: string; type: string };
  enforcesRegex?: boolean;
}

/** What an Ingress's annotations say of its paths. */
export interface RegexPaths {
  useRegex: boolean;
  rewriteTarget: string | undefined;
}

/** nginx's `~*`: RE2's case-insensitive flag, kept in the table's Regex value. */
export const CASE_INSENSITIVE = '(?i)';

/**
 * An ImplementationSpecific path of an Ingress with use-regex or rewrite-target, as a Regex match;
 * undefined for the other paths (checked as plain paths: ingress-nginx's strict-validate-path-type
 * lets only ImplementationSpecific paths hold regex characters).
 */
export function regexPath(
  rawPath: unknown,
  rawType: unknown,
  regex: RegexPaths | undefined,
): PathCheck | undefined {
  if (regex === undefined || rawType !== 'ImplementationSpecific') return undefined;
  if (!regex.useRegex && regex.rewriteTarget === undefined) return undefined;
  const path = rawPath === undefined || rawPath === '' ? '/' : rawPath;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    return { ok: false, reason: 'InvalidPath', message: 'path must be a string starting with "/"' };
  }
  return regexMatch(path);
}

function regexMatch(path: string): PathCheck {
  if (path.length > MAX_PATH_LENGTH) {
    return { ok: false, reason: 'InvalidPath', message: `path is longer than ${MAX_PATH_LENGTH} characters` };
  }
  // nginx reads the location up to whitespace or a quote; a regex path holds neither.
  if (path.includes('"') || path.includes(' ') || hasControlCharacter(path)) {
    return {
      ok: false,
      reason: 'InvalidPath',
      message: `path regex ${JSON.stringify(path)} holds a space, quote or control character`,
    };
  }
  const value = CASE_INSENSITIVE + path;
  // The worker compiles it on the same engine (dataplane/src/router/regex.ts, which says why RE2);
  // checked here too, so the Ingress's owner is told.
  if (value.length > MAX_REGEX_SOURCE) {
    return {
      ok: false,
      reason: 'InvalidPath',
      message: `path regex is longer than ${MAX_REGEX_SOURCE - CASE_INSENSITIVE.length} characters`,
    };
  }
  try {
    RE2JS.compile(value);
  } catch (err) {
    const detail = (err as Error).message.replace(/^error parsing regexp: /, '');
    return {
      ok: false,
      reason: 'InvalidPath',
      message: `path regex ${JSON.stringify(path)} is not valid RE2 syntax (no lookaround or back-references): ${detail}`,
    };
  }
  return { ok: true, match: { type: 'Regex', value } };
}

/**
 * Makes every path of a host with an enforcing location a regex. A Prefix path of a location without
 * use-regex or rewrite-target becomes `^path/` and, unless an Exact path of the host already is
 * `path`, also `^path` (location.go updateServerLocations then buildLocation); Exact and
 * ImplementationSpecific paths become `^path`.
 */
export function spreadRegex<C extends Claim>(all: Array<{ claims: C[] }>, diagnostics: Diagnostic[]): void {
  const hosts = new Set<string>();
  for (const { claims } of all) for (const c of claims) if (c.enforcesRegex) hosts.add(c.host);
  if (hosts.size === 0) return;
  const exact = new Set<string>();
  for (const { claims } of all) {
    for (const c of claims)
      if (hosts.has(c.host) && c.match.type === 'Exact') exact.add(`${c.host}\u0000${c.match.value}`);
  }
  for (const routes of all) {
    const claims: C[] = [];
    for (const claim of routes.claims) {
      if (!hosts.has(claim.host) || claim.match.type === 'Regex' || claim.written === undefined) {
        claims.push(claim);
        continue;
      }
      const written = claim.written.path;
      const paths: Array<{ path: string; id: string }> = [];
      if (claim.match.type === 'Prefix' && !claim.enforcesRegex && written !== '/') {
        paths.push({ path: written.endsWith('/') ? written : `${written}/`, id: claim.id });
        if (!exact.has(`${claim.host}\u0000${written}`))
          paths.push({ path: written, id: `${claim.id}/exact` });
      } else paths.push({ path: written, id: claim.id });
      for (const { path, id } of paths) {
        const check = regexMatch(path);
        if (!check.ok) {
          diagnostics.push({
            object: ingressObject(claim.ingress.namespace, claim.ingress.name),
            field: `${claim.field}.path`,
            reason: 'InvalidPath',
            message: `${check.message} (host "${claim.host}" uses regex paths: use-regex or rewrite-target)`,
          });
          continue;
        }
        claims.push({ ...claim, id, match: check.match as RouteMatch['path'] });
      }
    }
    routes.claims = claims;
  }
}
