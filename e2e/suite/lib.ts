// Small helpers the scenarios share: backends as Service + EndpointSlice, what the proxy answers,
// Ingress status and Events as the API shows them.
import type { Gatehouse } from './gatehouse.ts';
import type { Kube, KubeObject } from './kube.ts';
import { endpointSlice, service } from './objects.ts';

/** A Service named `name` in `ns` whose one EndpointSlice lists `addresses`. */
export async function createService(
  admin: Kube,
  ns: string,
  name: string,
  addresses: string[],
): Promise<{ service: KubeObject; slice: KubeObject }> {
  const svc = await admin.create(service(ns, name));
  const slice = await admin.create(endpointSlice(ns, name, addresses));
  return { service: svc, slice };
}

/** Whether `host` + `path` is answered 200 by the echo backend named `backend`. */
export async function servedBy(g: Gatehouse, host: string, backend: string, path = '/'): Promise<boolean> {
  const answer = await g.get(host, path);
  return answer.status === 200 && answer.backend === backend;
}

/** Whether `host` + `path` is answered with `status` (by Gatehouse itself, e.g. 404 or 503). */
export async function answers(g: Gatehouse, host: string, status: number, path = '/'): Promise<boolean> {
  return (await g.get(host, path)).status === status;
}

/** `.status.loadBalancer.ingress` of an Ingress, as the API has it now. */
export async function loadBalancerOf(admin: Kube, ingress: KubeObject): Promise<unknown[]> {
  const current = await admin.get(ingress);
  return current.status?.loadBalancer?.ingress ?? [];
}

/** events.k8s.io/v1 Events in `ns` about the object named `name` of `kind`. */
export async function eventsAbout(
  admin: Kube,
  ns: string,
  kind: string,
  name: string,
): Promise<KubeObject[]> {
  const list = await admin.ok('GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`);
  return (list.items as KubeObject[]).filter((e) => e.regarding?.kind === kind && e.regarding?.name === name);
}

/** The Lease that elects the status writer. */
export async function leaseHolder(admin: Kube): Promise<{ holder: string; renewTime: string } | undefined> {
  const res = await admin.call('GET', '/apis/coordination.k8s.io/v1/namespaces/gatehouse/leases/gatehouse');
  if (res.status !== 200) return undefined;
  return { holder: res.body.spec?.holderIdentity ?? '', renewTime: res.body.spec?.renewTime ?? '' };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, in order of items. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Sequential GETs on `lanes` loops until stopped: a bounded, steady client. */
export function steadyClient(g: Gatehouse, host: string, expected: readonly string[], lanes = 2) {
  let running = true;
  const failures: string[] = [];
  let ok = 0;
  const loops = Array.from({ length: lanes }, async () => {
    while (running) {
      try {
        const answer = await g.get(host, '/steady');
        if (answer.status === 200 && expected.includes(String(answer.backend))) ok++;
        else failures.push(`${answer.status} ${answer.backend ?? answer.body.slice(0, 80)}`);
      } catch (error) {
        failures.push(String(error));
      }
      // Paced, so the client measures availability rather than loading a 2-core machine.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  return {
    ok: () => ok,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
