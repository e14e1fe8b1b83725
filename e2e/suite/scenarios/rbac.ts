// The shipped least-privilege RBAC (deploy/rbac) is what Gatehouse runs under in this suite; here
// the same identity is shown to be refused what that RBAC does not grant, and allowed what it does.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { suite } from '../context.ts';
import type { KubeObject } from '../kube.ts';
import { leaseHolder } from '../lib.ts';
import { ingress, service } from '../objects.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export function rbacScenario(): void {
  describe('least-privilege RBAC (deploy/rbac)', () => {
    let ns: string;
    let existing: KubeObject;

    before(async () => {
      const { admin } = suite();
      ns = await suite().newNamespace('rbac');
      await admin.create(service(ns, 'web'));
      existing = await admin.create(
        ingress(ns, 'existing', 'existing.rbac.test', [{ path: '/', service: 'web' }]),
      );
    });

    const lease = (namespace: string, name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: { holderIdentity: 'intruder', leaseDurationSeconds: 15 },
    });
    const refused: Array<{ rule: string; method: Method; path: () => string; body?: () => unknown }> = [
      {
        rule: 'creating an Ingress',
        method: 'POST',
        path: () => `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
        body: () => ingress(ns, 'sneaky', 'sneaky.rbac.test', [{ path: '/', service: 'web' }]),
      },
      {
        rule: "changing an Ingress's spec (only its status subresource)",
        method: 'PUT',
        path: () => `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/existing`,
        body: () => ({ ...existing, spec: { ...existing.spec, rules: [] } }),
      },
      { rule: 'deleting a Service', method: 'DELETE', path: () => `/api/v1/namespaces/${ns}/services/web` },
      // ConfigMaps are listed and watched one by name (custom-headers); RBAC cannot see the
      // field selector, but it does refuse a get.
      {
        rule: 'reading a ConfigMap by get',
        method: 'GET',
        path: () => `/api/v1/namespaces/${ns}/configmaps/x`,
      },
      { rule: 'listing Pods', method: 'GET', path: () => '/api/v1/pods' },
      {
        rule: 'creating a Secret',
        method: 'POST',
        path: () => `/api/v1/namespaces/${ns}/secrets`,
        body: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: ns } }),
      },
      {
        rule: 'reading a Lease of another name in its own namespace',
        method: 'GET',
        path: () => '/apis/coordination.k8s.io/v1/namespaces/gatehouse/leases/kube-controller-manager',
      },
      {
        rule: 'listing Leases in its own namespace',
        method: 'GET',
        path: () => '/apis/coordination.k8s.io/v1/namespaces/gatehouse/leases',
      },
      {
        rule: 'creating a Lease in another namespace',
        method: 'POST',
        path: () => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
        body: () => lease(ns, 'gatehouse'),
      },
      {
        rule: 'writing a Lease named gatehouse in another namespace',
        method: 'PUT',
        path: () => '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/gatehouse',
        body: () => lease('kube-system', 'gatehouse'),
      },
      {
        rule: 'creating an IngressClass',
        method: 'POST',
        path: () => '/apis/networking.k8s.io/v1/ingressclasses',
        body: () => ({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name: 'sneaky' },
          spec: { controller: 'x.example/y' },
        }),
      },
      {
        rule: 'binding itself to cluster-admin',
        method: 'POST',
        path: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        body: () => ({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'gatehouse-escalation' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: 'gatehouse', namespace: 'gatehouse' }],
        }),
      },
    ];
    for (const r of refused) {
      test(`the gatehouse identity is refused (403) ${r.rule}`, async () => {
        const res = await suite().asGatehouse.call(r.method, r.path(), r.body?.());
        assert.equal(res.status, 403, JSON.stringify(res.body));
      });
    }

    const allowed: Array<{ rule: string; path: () => string }> = [
      { rule: 'listing Ingresses in every namespace', path: () => '/apis/networking.k8s.io/v1/ingresses' },
      {
        // The controller reads only referenced Secrets, by name; RBAC cannot know those names.
        rule: 'listing every TLS Secret (the grant is wider than what the controller reads)',
        path: () => '/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls',
      },
      { rule: 'listing EndpointSlices', path: () => '/apis/discovery.k8s.io/v1/endpointslices' },
      {
        rule: 'reading its own Lease',
        path: () => '/apis/coordination.k8s.io/v1/namespaces/gatehouse/leases/gatehouse',
      },
    ];
    for (const r of allowed) {
      test(`the gatehouse identity is allowed ${r.rule}`, async () => {
        const res = await suite().asGatehouse.call('GET', r.path());
        assert.equal(res.status, 200, JSON.stringify(res.body));
      });
    }

    test('the running replica, with only this RBAC, holds the Lease it is allowed to write', async () => {
      const holder = await leaseHolder(suite().admin);
      assert.ok(holder?.holder.startsWith(`${suite().gatehouse.name}_`), JSON.stringify(holder));
    });
  });
}
