// Adds what app-root, server-alias and from-to-www-redirect ask of the table's hosts, once every
// route is merged, set up and given its TLS: alias hosts copy their rule host whole.
import type { HostRoutes, RequestRedirectFilter, Route } from '../../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../../snapshot.ts';
import { ingressObject } from '../diagnostics.ts';
import { compareText } from '../guard.ts';
import type { IngressView } from '../lookup.ts';
import type { HostSettings } from './host-names.ts';

/** One served (not closed, not canary) Ingress with host settings, in route precedence order. */
export interface HostRequest {
  ingress: IngressView;
  /** The hosts its rules name (`*` for none). */
  hosts: ReadonlySet<string>;
  settings: HostSettings;
}

/** ingress-nginx's http-redirect-code, the status of its from/to-www redirect servers. */
const WWW_REDIRECT_CODE = 308;

/** Returns the table's hosts with the additions, sorted by name as the merge leaves them. */
export function applyHostSettings(
  hosts: HostRoutes[],
  requests: readonly HostRequest[],
  prefix: string,
  diagnostics: Diagnostic[],
): HostRoutes[] {
  const byName = new Map(hosts.map((h) => [h.host, h]));
  const ruleHosts = new Set(byName.keys());
  const field = (key: string) => `metadata.annotations["${prefix}/${key}"]`;
  const refuse = (ingress: IngressView, key: string, message: string) =>
    diagnostics.push({
      object: ingressObject(ingress.namespace, ingress.name),
      field: field(key),
      reason: 'HostTaken',
      message,
    });

  // app-root: nginx's server-level `if ($uri = /)` answers before any location, so it replaces
  // every Exact `/` of the host; the first Ingress's `if` is the one nginx runs.
  const rooted = new Set<string>();
  for (const { ingress, hosts: names, settings } of requests) {
    if (settings.appRoot === undefined) continue;
    for (const name of names) {
      const entry = byName.get(name);
      if (entry === undefined || rooted.has(name)) continue;
      rooted.add(name);
      entry.routes = [
        appRootRoute(ingress, settings.appRoot),
        ...entry.routes.filter((r) => r.match.path.type !== 'Exact' || r.match.path.value !== '/'),
      ];
    }
  }

  // server-alias (controller.go createServers): the first Ingress of a host sets its aliases; an
  // alias that is a rule host, or already another host's alias, is skipped.
  const aliased = new Set<string>();
  for (const { ingress, hosts: names, settings } of requests) {
    if (settings.aliases === undefined) continue;
    for (const name of [...names].sort(compareText)) {
      const entry = byName.get(name);
      if (entry === undefined || name === '*') continue;
      if (aliased.has(name)) {
        refuse(ingress, 'server-alias', `host "${name}" already has the aliases of an older Ingress`);
        continue;
      }
      aliased.add(name);
      for (const alias of settings.aliases) {
        if (alias === name) continue;
        if (byName.has(alias)) {
          refuse(
            ingress,
            'server-alias',
            ruleHosts.has(alias)
              ? `alias "${alias}" is a host of an Ingress rule, which wins over an alias`
              : `alias "${alias}" is already served as another name`,
          );
          continue;
        }
        const copy: HostRoutes = structuredClone(entry);
        copy.host = alias;
        byName.set(alias, copy);
      }
    }
  }

  // from-to-www-redirect (pkg/util/ingress BuildRedirects): a server for the other name that only
  // redirects, unless a rule already names it.
  for (const { ingress, hosts: names, settings } of requests) {
    if (settings.fromToWww !== true) continue;
    for (const name of [...names].sort(compareText)) {
      if (name === '*' || name.startsWith('*.')) continue;
      const from = name.startsWith('www.') ? name.slice(4) : `www.${name}`;
      const taken = byName.get(from);
      if (taken !== undefined) {
        if (!isWwwRedirect(taken, name)) {
          refuse(
            ingress,
            'from-to-www-redirect',
            `host "${from}" is already served; it is not redirected to "${name}"`,
          );
        }
        continue;
      }
      byName.set(from, { host: from, routes: [], fallback: wwwRoute(ingress, from, name) });
    }
  }
  return [...byName.values()].sort((a, b) => compareText(a.host, b.host));
}

function appRootRoute(ingress: IngressView, root: string): Route {
  // `return 302 $scheme://$http_host<app-root>`: same scheme, Host with its port, no query.
  const redirect: RequestRedirectFilter = {
    type: 'RequestRedirect',
    path: { type: 'ReplaceFullPath', value: root },
    keepRequestPort: true,
    dropQuery: true,
    statusCode: 302,
  };
  return {
    id: `ingress/${ingress.namespace}/${ingress.name}/app-root`,
    source: { kind: 'Ingress', namespace: ingress.namespace, name: ingress.name },
    match: { path: { type: 'Exact', value: '/' } },
    backends: [],
    filters: [redirect],
    // Server rewrite phase: it answers before the location's HTTPS redirect would.
    httpsRedirect: false,
  };
}

function wwwRoute(ingress: IngressView, from: string, to: string): Route {
  // ngx_srv_redirect.lua: same scheme, path and query; Gatehouse keeps the Host's port.
  const redirect: RequestRedirectFilter = {
    type: 'RequestRedirect',
    hostname: to,
    keepRequestPort: true,
    statusCode: WWW_REDIRECT_CODE,
  };
  return {
    id: `ingress/${ingress.namespace}/${ingress.name}/from-to-www/${from}`,
    source: { kind: 'Ingress', namespace: ingress.namespace, name: ingress.name },
    match: { path: { type: 'Prefix', value: '/' } },
    backends: [],
    filters: [redirect],
    httpsRedirect: false,
  };
}

function isWwwRedirect(entry: HostRoutes, to: string): boolean {
  const filter = entry.fallback?.filters[0];
  return entry.routes.length === 0 && filter?.type === 'RequestRedirect' && filter.hostname === to;
}
