// Test support: an in-memory Lease with the API server's optimistic concurrency (resourceVersion
// checked on replace, 409 on a stale one or on creating an existing lease), plus scripted failures.
import { ApiError } from '../sources/kube/transport.ts';
import type { Lease, LeaseSpec, LeaseStore } from './lease-store.ts';

type Op = 'get' | 'create' | 'replace';

export class FakeLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  readonly calls: Array<{ op: Op; holder?: string }> = [];
  #rv = 1;
  #script: Array<{ op: Op; error?: unknown; hang?: boolean; before?: () => void }> = [];

  /** The next `op` call fails with `error`. */
  failNext(op: Op, error: unknown): void {
    this.#script.push({ op, error });
  }

  /** The next `op` call never answers (until aborted). */
  hangNext(op: Op): void {
    this.#script.push({ op, hang: true });
  }

  /** Runs `fn` just before the next `op` call is served (another replica sneaking in a write). */
  beforeNext(op: Op, fn: () => void): void {
    this.#script.push({ op, before: fn });
  }

  /** Another writer stores `spec` (as if with kubectl or another replica). */
  write(spec: LeaseSpec): void {
    const metadata = this.lease?.metadata ?? { name: 'gatehouse', namespace: 'gatehouse-system' };
    this.lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...metadata, resourceVersion: String(++this.#rv) },
      spec: { ...spec },
    };
  }

  async get(signal: AbortSignal): Promise<Lease | undefined> {
    await this.#serve('get', signal);
    return this.lease && structuredClone(this.lease);
  }

  async create(lease: Lease, signal: AbortSignal): Promise<Lease> {
    await this.#serve('create', signal, lease);
    if (this.lease)
      throw new ApiError(409, 'leases.coordination.k8s.io "gatehouse" already exists', 'AlreadyExists');
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.#rv) },
    };
    return structuredClone(this.lease);
  }

  async replace(lease: Lease, signal: AbortSignal): Promise<Lease> {
    await this.#serve('replace', signal, lease);
    if (!this.lease || lease.metadata.resourceVersion !== this.lease.metadata.resourceVersion) {
      throw new ApiError(409, 'the object has been modified', 'Conflict');
    }
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.#rv) },
    };
    return structuredClone(this.lease);
  }

  async #serve(op: Op, signal: AbortSignal, lease?: Lease): Promise<void> {
    this.calls.push({ op, ...(lease ? { holder: lease.spec.holderIdentity } : {}) });
    await Promise.resolve();
    const i = this.#script.findIndex((s) => s.op === op);
    if (i < 0) return;
    const [step] = this.#script.splice(i, 1);
    step.before?.();
    if (step.hang) {
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (step.error !== undefined) throw step.error;
  }
}
