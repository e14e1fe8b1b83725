// Where the leader-election Lease lives: a coordination.k8s.io/v1 Lease in the controller's own
// namespace, read and written with optimistic concurrency (resourceVersion; 409 = someone else won).
import { RESOURCES } from '../sources/kube/access.ts';
import type { KubeHttp } from '../sources/kube/kube-http.ts';
import { ApiError } from '../sources/kube/transport.ts';

export interface LeaseSpec {
  /** Empty or absent: nobody holds the lease. */
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

export interface LeaseStore {
  /** The lease, or undefined when it does not exist. */
  get(signal: AbortSignal): Promise<Lease | undefined>;
  /** Rejects with a 409 ApiError when the lease already exists. */
  create(lease: Lease, signal: AbortSignal): Promise<Lease>;
  /** Rejects with a 409 ApiError when `lease.metadata.resourceVersion` is stale. */
  replace(lease: Lease, signal: AbortSignal): Promise<Lease>;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409;
}

/** metav1.MicroTime wants six fractional digits; Date gives three. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function httpLeaseStore(
  client: KubeHttp,
  namespace: string,
  name: string,
  timeoutMs = 5_000,
): LeaseStore {
  const leases = RESOURCES.leases;
  return {
    async get(signal) {
      try {
        return await client.json<Lease>({
          resource: leases,
          verb: 'get',
          namespace,
          name,
          signal,
          timeoutMs,
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    create: (lease, signal) =>
      client.json<Lease>({ resource: leases, verb: 'create', namespace, body: lease, signal, timeoutMs }),
    replace: (lease, signal) =>
      client.json<Lease>({
        resource: leases,
        verb: 'update',
        namespace,
        name,
        body: lease,
        signal,
        timeoutMs,
      }),
  };
}
