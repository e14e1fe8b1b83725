// The RBAC rules Gatehouse needs, derived from the table of its API requests (access.ts): what
// deploy/rbac and the chart must grant, exactly. Pure, so tests compare it with the YAML we ship.
import { API_ACCESS, type ApiAccess, type ApiResource } from './access.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface DerivedRbac {
  /** Cluster-scoped kinds: a ClusterRole whatever the watch scope. */
  cluster: PolicyRule[];
  /** Namespaced kinds of the watch: a ClusterRole, or a Role of the watched namespace. */
  watched: PolicyRule[];
  /** The controller's own namespace: a Role (the Lease, Events about IngressClasses). */
  own: PolicyRule[];
}

const resourceName = (r: ApiResource) => (r.subresource ? `${r.resource}/${r.subresource}` : r.resource);

/** One rule per (group, resource, name restriction), verbs in table order. */
function rulesOf(entries: readonly ApiAccess[], leaseName: string): PolicyRule[] {
  const rules = new Map<string, PolicyRule>();
  for (const a of entries) {
    const names = a.namedLease ? [leaseName] : undefined;
    const key = `${a.resource.group}|${resourceName(a.resource)}|${names?.join(',') ?? ''}`;
    let rule = rules.get(key);
    if (!rule) {
      rule = {
        apiGroups: [a.resource.group],
        resources: [resourceName(a.resource)],
        ...(names ? { resourceNames: names } : {}),
        verbs: [],
      };
      rules.set(key, rule);
    }
    if (!rule.verbs.includes(a.verb)) rule.verbs.push(a.verb);
  }
  return [...rules.values()];
}

export function derivedRbac(leaseName: string, table: readonly ApiAccess[] = API_ACCESS): DerivedRbac {
  const watched = table.filter((a) => a.scope === 'watched' || a.scope === 'watched+own');
  return {
    cluster: rulesOf(
      watched.filter((a) => !a.resource.namespaced),
      leaseName,
    ),
    watched: rulesOf(
      watched.filter((a) => a.resource.namespaced),
      leaseName,
    ),
    own: rulesOf(
      table.filter((a) => a.scope === 'own' || a.scope === 'watched+own'),
      leaseName,
    ),
  };
}

/**
 * Flattens rules into one string per permission, `group/resource[/sub]:verb[@name]` with the core
 * group spelt `core`, sorted: two rule lists grant the same exactly when these are equal.
 */
export function grantsOf(rules: readonly PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        for (const v of r.verbs) {
          const base = `${g === '' ? 'core' : g}/${res}:${v}`;
          if (r.resourceNames?.length) for (const n of r.resourceNames) out.add(`${base}@${n}`);
          else out.add(base);
        }
      }
    }
  }
  return [...out].sort();
}
