// Puts each Ingress's route settings (timeouts, retries, body limit, filters) on the routes it won.
// Routes are found by their source, so the merge (ingress.ts) needs to know nothing of annotations.
import type { Route, UrlRewriteFilter } from '../../../../dataplane/src/table/types.ts';
import { CASE_INSENSITIVE } from '../regex-paths.ts';
import { errorPagesFor } from './error-pages.ts';
import type { RouteSettings } from './settings.ts';
import { applySnippet } from './snippet/apply.ts';

/** `settings` by `namespace/name`; routes of other sources, or of Ingresses without settings, are left alone. */
export function applyRouteSettings(
  routes: Iterable<Route>,
  settings: ReadonlyMap<string, RouteSettings>,
): void {
  const seen = new Set<Route>();
  for (const route of routes) {
    if (seen.has(route)) continue;
    seen.add(route);
    if (route.source.kind !== 'Ingress') continue;
    const s = settings.get(`${route.source.namespace}/${route.source.name}`);
    if (s === undefined) continue;
    if (s.timeouts !== undefined) route.timeouts = { ...s.timeouts };
    if (s.retry !== undefined) route.retry = { attempts: s.retry.attempts, on: [...s.retry.on] };
    if (s.maxRequestBodyBytes !== undefined) route.maxRequestBodyBytes = s.maxRequestBodyBytes;
    if (s.httpsRedirect !== undefined) route.httpsRedirect = s.httpsRedirect;
    if (s.httpsRedirectForm !== undefined) route.httpsRedirectForm = { ...s.httpsRedirectForm };
    if (s.accessLog === false) route.accessLog = false;
    if (s.filters.length > 0) route.filters = [...structuredClone(s.filters), ...route.filters];
    if (s.rewriteTarget !== undefined) addRewrite(route, s.rewriteTarget);
    if (s.responseRewrites !== undefined) route.responseRewrites = structuredClone(s.responseRewrites);
    if (s.clientAccess !== undefined) route.clientAccess = structuredClone(s.clientAccess);
    if (s.cors !== undefined) route.cors = structuredClone(s.cors);
    if (s.satisfy !== undefined) route.satisfy = s.satisfy;
    // Shared, not cloned: the users list can be long, and nothing edits it after translation.
    if (s.basicAuth !== undefined) route.basicAuth = s.basicAuth;
    if (s.externalAuth !== undefined) route.externalAuth = structuredClone(s.externalAuth);
    if (s.rateLimit !== undefined) route.rateLimit = structuredClone(s.rateLimit);
    if (s.globalRateLimit !== undefined) route.globalRateLimit = structuredClone(s.globalRateLimit);
    if (s.errorPages !== undefined && s.errorBackend !== undefined) {
      const pages = errorPagesFor(route, s.errorPages, s.errorBackend, s.errorPages.service !== undefined);
      if (pages !== undefined) route.errorPages = pages;
    }
    if (s.snippet !== undefined) applySnippet(route, s.snippet);
  }
}

/**
 * rewrite-target on the URLRewrite the worker applies (the first one; upstream-vhost's may be
 * there). ingress-nginx rewrites no location whose path is the target itself (template.go
 * buildProxyPass).
 */
function addRewrite(route: Route, target: string): void {
  const path = route.match.path;
  if (path.type === 'Regex' && path.value === CASE_INSENSITIVE + target) return;
  const modifier = { type: 'RegexSubstitution', value: target } as const;
  const existing = route.filters.find((f): f is UrlRewriteFilter => f.type === 'URLRewrite');
  if (existing !== undefined) existing.path = modifier;
  else route.filters.unshift({ type: 'URLRewrite', path: modifier });
}
