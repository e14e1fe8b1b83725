// Gauges computed from the route table pushed to the workers: how many routes, how many endpoints
// each Service has in each state. Pure functions of the table.
import type { RouteTable } from '../../../dataplane/src/table/types.ts';

/** Host routes and fallbacks, plus the table's default route. */
export function routeCount(table: RouteTable): number {
  let n = table.defaultRoute === undefined ? 0 : 1;
  for (const host of table.hosts) n += host.routes.length + (host.fallback === undefined ? 0 : 1);
  return n;
}

export interface EndpointCount {
  namespace: string;
  service: string;
  ready: number;
  terminating: number;
}

/** Per Service (backends of one Service on several ports count its endpoints once per address). */
export function endpointCounts(table: RouteTable): EndpointCount[] {
  const byService = new Map<string, { count: EndpointCount; seen: Set<string> }>();
  for (const backend of Object.values(table.backends)) {
    const key = `${backend.namespace}/${backend.service}`;
    let entry = byService.get(key);
    if (entry === undefined) {
      entry = {
        count: { namespace: backend.namespace, service: backend.service, ready: 0, terminating: 0 },
        seen: new Set(),
      };
      byService.set(key, entry);
    }
    for (const ep of backend.endpoints) {
      const id = `${ep.address}|${ep.terminating === true}`;
      if (entry.seen.has(id)) continue;
      entry.seen.add(id);
      if (ep.terminating === true) entry.count.terminating++;
      else entry.count.ready++;
    }
  }
  return [...byService.values()].map((e) => e.count);
}
