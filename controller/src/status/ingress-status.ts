// What the Ingresses we handle should show in `.status.loadBalancer.ingress`, and which of them
// need a write. Pure: the status writer (leader only) does the I/O. Precedence as ingress-nginx:
// --publish-address, else --publish-service (its load-balancer ingress, else its ClusterIP).
import { isIP } from 'node:net';
import type { Diagnostic, Ingress, Service } from '../snapshot.ts';

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface PublishOptions {
  /** `--publish-service NS/NAME`. */
  publishService?: string;
  /** `--publish-address A[,B…]`: IPs or host names. */
  publishAddress?: string;
}

export interface PublishedAddresses {
  /** Undefined: nothing to publish (or not knowable yet), so statuses are left alone. */
  addresses?: LoadBalancerIngress[];
  diagnostics: Diagnostic[];
}

export interface IngressStatusUpdate {
  namespace: string;
  name: string;
  /** The version the decision was made on, for an optimistic-concurrency write. */
  resourceVersion?: string;
  ingress: LoadBalancerIngress[];
}

export function publishedAddresses(
  options: PublishOptions,
  services: readonly Service[],
): PublishedAddresses {
  if (options.publishAddress?.trim()) {
    const addresses = options.publishAddress
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .map((a) => (isIP(a) ? { ip: a } : { hostname: a }));
    return { addresses: sortAddresses(addresses), diagnostics: [] };
  }
  if (!options.publishService) return { diagnostics: [] };
  const [namespace, name, extra] = options.publishService.split('/');
  if (!namespace || !name || extra !== undefined) {
    return {
      diagnostics: [
        {
          object: { kind: 'Service', name: options.publishService },
          reason: 'InvalidPublishService',
          message: `--publish-service must be NAMESPACE/NAME, got "${options.publishService}"`,
        },
      ],
    };
  }
  const svc = services.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
  if (!svc) {
    // Unknown is not empty: clearing every status while the Service is briefly missing would flap.
    return {
      diagnostics: [
        {
          object: { kind: 'Service', namespace, name },
          reason: 'PublishServiceNotFound',
          message: `publish service ${namespace}/${name} not found; Ingress statuses left unchanged`,
        },
      ],
    };
  }
  return { addresses: serviceAddresses(svc), diagnostics: [] };
}

function serviceAddresses(svc: Service): LoadBalancerIngress[] {
  const lb: LoadBalancerIngress[] = [];
  for (const e of svc.status?.loadBalancer?.ingress ?? []) {
    if (e.ip) lb.push({ ip: e.ip });
    else if (e.hostname) lb.push({ hostname: e.hostname });
  }
  if (lb.length > 0) return sortAddresses(lb);
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName' && spec.externalName) return [{ hostname: spec.externalName }];
  if (spec.clusterIP && spec.clusterIP !== 'None') return [{ ip: spec.clusterIP }];
  return [];
}

/** The handled Ingresses whose current status differs from `addresses` (order and ports ignored). */
export function statusUpdates(
  handled: readonly Ingress[],
  addresses: readonly LoadBalancerIngress[],
): IngressStatusUpdate[] {
  const desired = sortAddresses(addresses);
  const want = addressKey(desired);
  const updates: IngressStatusUpdate[] = [];
  for (const ing of handled) {
    const current = (ing.status?.loadBalancer?.ingress ?? []).map((e) =>
      e.ip ? { ip: e.ip } : e.hostname ? { hostname: e.hostname } : {},
    );
    if (addressKey(sortAddresses(current)) === want) continue;
    updates.push({
      namespace: ing.metadata.namespace ?? '',
      name: ing.metadata.name,
      ...(ing.metadata.resourceVersion ? { resourceVersion: ing.metadata.resourceVersion } : {}),
      ingress: desired.map((a) => ({ ...a })),
    });
  }
  return updates.sort((a, b) => compare(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
}

function sortAddresses(list: readonly LoadBalancerIngress[]): LoadBalancerIngress[] {
  const seen = new Set<string>();
  const out: LoadBalancerIngress[] = [];
  for (const a of list) {
    const k = addressKey([a]);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(a);
    }
  }
  // IPs first, then host names, each in lexical order.
  return out.sort(
    (a, b) =>
      Number(!a.ip) - Number(!b.ip) ||
      compare(a.ip ?? '', b.ip ?? '') ||
      compare(a.hostname ?? '', b.hostname ?? ''),
  );
}

function addressKey(list: readonly LoadBalancerIngress[]): string {
  return JSON.stringify(list.map((a) => [a.ip ?? '', a.hostname ?? '']));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
