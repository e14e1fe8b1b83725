// An accepted snippet's values put on a route, after the annotations' own (annotations/apply.ts).
// nginx runs a location's snippet before the rewrite that rewrite-target adds (ingress-nginx
// nginx.tmpl: ConfigurationSnippet, then buildProxyPass), so the snippet's rewrite and answer win.
import type { ClientAccess, Route, UrlRewriteFilter } from '../../../../../dataplane/src/table/types.ts';
import type { SnippetSettings } from './annotation.ts';

/**
 * `server`: a server-snippet's allow/deny reach only routes without rules of their own, as nginx
 * inherits access rules into a location only when it has none.
 */
export function applySnippet(route: Route, snippet: SnippetSettings, server = false): void {
  const added = structuredClone(snippet.filters);
  const rewrite = added.find((f): f is UrlRewriteFilter => f.type === 'URLRewrite');
  const existing = route.filters.find((f): f is UrlRewriteFilter => f.type === 'URLRewrite');
  // One URLRewrite per route is applied: an upstream-vhost one keeps its host and takes the path.
  if (rewrite !== undefined && existing !== undefined) {
    existing.path = rewrite.path;
    added.splice(added.indexOf(rewrite), 1);
  }
  route.filters = [...added, ...route.filters];
  if (snippet.access === undefined || (server && route.clientAccess !== undefined)) return;
  route.clientAccess = mergeAccess(route.clientAccess, snippet.access);
}

/**
 * ingress-nginx writes the source-range rules of a location before its snippet, and nginx stops at
 * the first rule that matches: after a whitelist's `deny all` the snippet's rules are never reached.
 */
function mergeAccess(before: ClientAccess | undefined, snippet: ClientAccess): ClientAccess {
  if (before === undefined) return structuredClone(snippet);
  if (before.otherwise === 'deny') return before;
  return { rules: [...before.rules, ...structuredClone(snippet.rules)], otherwise: snippet.otherwise };
}
