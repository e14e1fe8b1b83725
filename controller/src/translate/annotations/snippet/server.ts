// server-snippet: one per host, applied to every route of it (ingress-nginx writes it into the
// server block). Several Ingresses giving one host a server-snippet: the oldest wins, as
// ingress-nginx's controller.go keeps the first and logs "server snippet already configured".
import type { HostRoutes, Route } from '../../../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../../../snapshot.ts';
import { ingressObject } from '../../diagnostics.ts';
import type { IngressView } from '../../lookup.ts';
import type { SnippetSettings } from './annotation.ts';
import { applySnippet } from './apply.ts';

export interface ServerSnippet {
  ingress: IngressView;
  /** Hosts the Ingress's rules name. */
  hosts: ReadonlySet<string>;
  snippet: SnippetSettings;
}

/**
 * `snippets` in conflict order (oldest Ingress first), as translate.ts reads Ingresses. Routes of a
 * closed Ingress (`closed`, `namespace/name`) keep answering 503: no snippet answers in their place.
 */
export function applyServerSnippets(
  hosts: readonly HostRoutes[],
  snippets: readonly ServerSnippet[],
  closed: ReadonlySet<string>,
  prefix: string,
  diagnostics: Diagnostic[],
): void {
  if (snippets.length === 0) return;
  const seen = new Set<Route>();
  for (const host of hosts) {
    const owners = snippets.filter((s) => s.hosts.has(host.host));
    const [winner, ...others] = owners;
    if (winner === undefined) continue;
    for (const route of host.fallback === undefined ? host.routes : [...host.routes, host.fallback]) {
      if (seen.has(route) || closed.has(`${route.source.namespace}/${route.source.name}`)) continue;
      seen.add(route);
      applySnippet(route, winner.snippet, true);
    }
    for (const other of others)
      diagnostics.push({
        object: ingressObject(other.ingress.namespace, other.ingress.name),
        field: `metadata.annotations["${prefix}/server-snippet"]`,
        reason: 'ServerSnippetConflict',
        message: `host ${host.host} already has the server-snippet of ${winner.ingress.namespace}/${winner.ingress.name} (the oldest Ingress); this one is not applied there`,
      });
  }
}
