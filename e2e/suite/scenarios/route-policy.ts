// RoutePolicy against the real apiserver: the CRD of crds/ (applied in context.ts, as Helm's crds/
// would) is structural and validates, so an invalid policy is refused by the apiserver itself; a
// valid one changes the routes of its Ingress and gets status.conditions from the leader.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import type { KubeObject } from '../kube.ts';
import { collectionPath } from '../kube.ts';
import { createService, servedBy } from '../lib.ts';
import { ingress } from '../objects.ts';

function routePolicy(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: { name, namespace: ns },
    spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'shop' }], ...spec },
  };
}

type Condition = { type: string; status: string; reason: string; observedGeneration?: number };

export function routePolicyScenario(): void {
  describe('RoutePolicy', () => {
    let ns: string;
    const host = 'shop.policy.test';

    before(async () => {
      const { admin, backends, gatehouse } = suite();
      ns = await suite().newNamespace('policy');
      await createService(admin, ns, 'web', [backends[0].ip]);
      await admin.create(ingress(ns, 'shop', host, [{ path: '/', service: 'web' }]));
      await waitFor(() => servedBy(gatehouse, host, backends[0].name), {
        what: 'the Ingress a policy targets',
      });
    });

    test('a valid RoutePolicy changes its Ingress’s routes and gets Accepted and ResolvedRefs written back', async () => {
      const { admin, gatehouse } = suite();
      const policy = await admin.create(
        routePolicy(ns, 'headers', { responseHeaders: { set: [{ name: 'X-Policy', value: 'e2e' }] } }),
      );
      await waitFor(async () => (await gatehouse.get(host)).headers['x-policy'] === 'e2e', {
        what: 'the policy’s response header',
      });
      const conditions = await waitFor(
        async () => {
          const current = (await admin.get(policy)) as { status?: { conditions?: Condition[] } };
          const found = current.status?.conditions ?? [];
          return found.length === 2 && found;
        },
        { what: 'status.conditions written by the leader' },
      );
      assert.deepEqual(
        conditions.map((c) => `${c.type} ${c.status} ${c.reason} ${c.observedGeneration}`),
        ['Accepted True Accepted 1', 'ResolvedRefs True ResolvedRefs 1'],
      );
    });

    test('a policy naming a missing Ingress is told TargetNotFound', async () => {
      const { admin } = suite();
      const policy = await admin.create({
        ...routePolicy(ns, 'nowhere', {}),
        spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'missing' }] },
      });
      const reasons = await waitFor(
        async () => {
          const current = (await admin.get(policy)) as { status?: { conditions?: Condition[] } };
          const found = (current.status?.conditions ?? []).map((c) => `${c.type} ${c.reason}`);
          return found.length === 2 && found;
        },
        { what: 'TargetNotFound written back' },
      );
      assert.deepEqual(reasons, ['Accepted TargetNotFound', 'ResolvedRefs TargetNotFound']);
    });

    test('the apiserver refuses a policy its structural schema rejects', async () => {
      const { admin } = suite();
      const path = collectionPath(routePolicy(ns, 'x', {}));
      const cases: Array<[string, Record<string, unknown>]> = [
        ['a duration without unit', { timeouts: { connect: '5' } }],
        ['a redirect status 200', { redirect: { statusCode: 200 } }],
        ['a header value with a newline', { responseHeaders: { set: [{ name: 'X-A', value: 'a\nb' }] } }],
        ['a body size as text', { maxRequestBodyBytes: '1m' }],
      ];
      for (const [what, spec] of cases) {
        const res = await admin.call('POST', path, routePolicy(ns, 'invalid', spec));
        assert.equal(res.status, 422, `${what}: ${JSON.stringify(res.body)}`);
      }
      // Unknown fields: refused under strict field validation (kubectl's default), pruned otherwise.
      const strict = await admin.call(
        'POST',
        `${path}?fieldValidation=Strict`,
        routePolicy(ns, 'typo', { timeout: '1s' }),
      );
      assert.equal(strict.status, 400, JSON.stringify(strict.body));
      const noTargets = await admin.call('POST', path, {
        ...routePolicy(ns, 'empty', {}),
        spec: { targetRefs: [] },
      });
      assert.equal(noTargets.status, 422, JSON.stringify(noTargets.body));
    });
  });
}
