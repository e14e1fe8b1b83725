// Writes each RoutePolicy's status.conditions (leader only, only when they differ), as the Ingress
// status writer does: the decision is pure (policyStatusUpdates), the I/O a GET for the current
// resourceVersion and a PUT to the status subresource, so a concurrent change wins and we retry.
import type { PolicyCondition, RoutePolicy } from '../policy/types.ts';
import type { Snapshot } from '../snapshot.ts';
import { RESOURCES } from '../sources/kube/access.ts';
import type { KubeHttp } from '../sources/kube/kube-http.ts';
import type { PolicyOutcome } from '../translate/policy/status.ts';

export interface PolicyStatusUpdate {
  namespace: string;
  name: string;
  conditions: PolicyCondition[];
}

/**
 * The conditions each policy must get, for those whose current ones differ. A condition keeps its
 * lastTransitionTime while its status stays (metav1.Condition's contract); `now` stamps the others.
 */
export function policyStatusUpdates(
  policies: readonly RoutePolicy[],
  outcomes: readonly PolicyOutcome[],
  now: Date,
): PolicyStatusUpdate[] {
  const byKey = new Map(policies.map((p) => [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p]));
  const updates: PolicyStatusUpdate[] = [];
  for (const outcome of outcomes) {
    const policy = byKey.get(`${outcome.namespace}/${outcome.name}`);
    if (policy === undefined) continue;
    const current = policy.status?.conditions ?? [];
    const conditions = outcome.conditions.map((c): PolicyCondition => {
      const before = current.find((b) => b.type === c.type);
      const condition: PolicyCondition = {
        type: c.type,
        status: c.status,
        lastTransitionTime:
          before !== undefined && before.status === c.status ? before.lastTransitionTime : rfc3339(now),
        reason: c.reason,
        message: c.message,
      };
      if (outcome.generation !== undefined) condition.observedGeneration = outcome.generation;
      return condition;
    });
    const same =
      current.length === conditions.length &&
      conditions.every((c) => {
        const b = current.find((x) => x.type === c.type);
        return (
          b !== undefined &&
          b.status === c.status &&
          b.reason === c.reason &&
          b.message === c.message &&
          b.observedGeneration === c.observedGeneration
        );
      });
    if (!same) updates.push({ namespace: outcome.namespace, name: outcome.name, conditions });
  }
  return updates;
}

/** metav1.Time: RFC 3339 to the second. */
function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export interface PolicyStatusApi {
  get(namespace: string, name: string): Promise<RoutePolicy>;
  replaceStatus(policy: RoutePolicy): Promise<void>;
}

export class PolicyStatusWriter {
  readonly #api: PolicyStatusApi;
  readonly #onError: (error: unknown, update: PolicyStatusUpdate) => void;
  written = 0;

  constructor(
    api: PolicyStatusApi,
    onError: (error: unknown, update: PolicyStatusUpdate) => void = () => {},
  ) {
    this.#api = api;
    this.#onError = onError;
  }

  /** Brings every policy's conditions in line; resolves with how many writes failed (retried later). */
  async sync(snapshot: Snapshot, outcomes: readonly PolicyOutcome[], now = new Date()): Promise<number> {
    let failed = 0;
    // One at a time: policies are few, and a status write is never urgent.
    for (const update of policyStatusUpdates(snapshot.routePolicies ?? [], outcomes, now)) {
      try {
        const current = await this.#api.get(update.namespace, update.name);
        current.status = { ...current.status, conditions: update.conditions };
        await this.#api.replaceStatus(current);
        this.written++;
      } catch (error) {
        failed++;
        this.#onError(error, update);
      }
    }
    return failed;
  }
}

export function httpPolicyStatusApi(client: KubeHttp, timeoutMs = 5_000): PolicyStatusApi {
  return {
    get: (namespace, name) =>
      client.json<RoutePolicy>({
        resource: RESOURCES.routePolicies,
        verb: 'get',
        namespace,
        name,
        timeoutMs,
      }),
    async replaceStatus(policy) {
      await client.json({
        resource: RESOURCES.routePolicyStatus,
        verb: 'update',
        namespace: policy.metadata.namespace ?? 'default',
        name: policy.metadata.name,
        body: policy,
        timeoutMs,
      });
    },
  };
}
