// The chart's RBAC is cluster mode's checked-in least privilege (deploy/rbac/), nothing more, in
// every value set; a watch namespace moves the namespaced grants into a Role of that namespace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import {
  chartDir,
  find,
  type K8sObject,
  render,
  repoDir,
  soleObject,
  valueSets,
  valuesDir,
} from './chart.ts';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Cluster mode's needs, as DESIGN.md and the cluster-mode issue list them: one grant per line. */
const clusterModeGrants = [
  'networking.k8s.io/ingresses:get',
  'networking.k8s.io/ingresses:list',
  'networking.k8s.io/ingresses:watch',
  'networking.k8s.io/ingressclasses:get',
  'networking.k8s.io/ingressclasses:list',
  'networking.k8s.io/ingressclasses:watch',
  'networking.k8s.io/ingresses/status:update',
  'core/services:get',
  'core/services:list',
  'core/services:watch',
  'core/secrets:get',
  'core/secrets:list',
  'core/secrets:watch',
  'discovery.k8s.io/endpointslices:get',
  'discovery.k8s.io/endpointslices:list',
  'discovery.k8s.io/endpointslices:watch',
  'events.k8s.io/events:create',
  'events.k8s.io/events:patch',
];
/** Leader election, in the controller's own namespace. */
const leaseGrants = (lease: string) => [
  `coordination.k8s.io/leases:get@${lease}`,
  `coordination.k8s.io/leases:update@${lease}`,
  'coordination.k8s.io/leases:create',
];

/** One string per (group, resource, verb, resourceName) a rule grants. */
function grants(rules: PolicyRule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        for (const v of r.verbs) {
          const base = `${g === '' ? 'core' : g}/${res}:${v}`;
          if (r.resourceNames?.length) for (const n of r.resourceNames) out.push(`${base}@${n}`);
          else out.push(base);
        }
      }
    }
  }
  return out.sort();
}

const sorted = (xs: string[]) => [...xs].sort();
const rulesOf = (o: K8sObject) => o.rules as PolicyRule[];
const fileRules = (dir: string, file: string) => rulesOf(parse(readFileSync(join(dir, file), 'utf8')));
const deployDir = join(repoDir, 'deploy', 'rbac');
const chartFilesDir = join(chartDir, 'files', 'rbac');

describe('RBAC', () => {
  test('the chart reads the same RBAC files as deploy/rbac, byte for byte', () => {
    for (const file of ['clusterrole.yaml', 'role.yaml']) {
      assert.equal(
        readFileSync(join(chartFilesDir, file), 'utf8'),
        readFileSync(join(deployDir, file), 'utf8'),
        `charts/gatehouse/files/rbac/${file} differs from deploy/rbac/${file}: copy it over`,
      );
    }
  });

  test("deploy/rbac grants exactly cluster mode's list: reads, Ingress status, Events, one Lease", () => {
    assert.deepEqual(grants(fileRules(deployDir, 'clusterrole.yaml')), sorted(clusterModeGrants));
    assert.deepEqual(grants(fileRules(deployDir, 'role.yaml')), sorted(leaseGrants('gatehouse')));
  });

  for (const set of valueSets) {
    test(`values "${set.name}": every rendered Role and ClusterRole together grant nothing beyond cluster mode's list`, () => {
      const { objects } = render({ files: set.files });
      const lease = soleObject(objects, 'IngressClass').metadata.name;
      const rendered = [...find(objects, 'ClusterRole'), ...find(objects, 'Role')].flatMap((o) =>
        grants(rulesOf(o)),
      );
      assert.deepEqual(sorted([...new Set(rendered)]), sorted([...clusterModeGrants, ...leaseGrants(lease)]));
    });
  }

  test('cluster-wide watch: the ClusterRole has the rules of deploy/rbac/clusterrole.yaml, in order', () => {
    const { objects } = render();
    assert.deepEqual(rulesOf(soleObject(objects, 'ClusterRole')), fileRules(deployDir, 'clusterrole.yaml'));
  });

  test('watch namespace: IngressClass stays cluster-wide, the namespaced kinds become a Role in that namespace', () => {
    const { objects } = render({ files: [join(valuesDir, 'scoped.yaml')] });
    const clusterRole = soleObject(objects, 'ClusterRole');
    assert.deepEqual(grants(rulesOf(clusterRole)), [
      'networking.k8s.io/ingressclasses:get',
      'networking.k8s.io/ingressclasses:list',
      'networking.k8s.io/ingressclasses:watch',
    ]);
    const watchRole = find(objects, 'Role').filter((r) => r.metadata.namespace === 'apps');
    assert.equal(watchRole.length, 1, 'one Role in the watched namespace "apps"');
    assert.deepEqual(
      grants(rulesOf(watchRole[0])),
      sorted(clusterModeGrants.filter((g) => !g.startsWith('networking.k8s.io/ingressclasses:'))),
    );
    const binding = find(objects, 'RoleBinding').find((b) => b.metadata.namespace === 'apps');
    assert.deepEqual(binding?.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: watchRole[0].metadata.name,
    });
  });

  test('the Lease Role lives in the release namespace and names the Lease after the IngressClass', () => {
    for (const [files, lease] of [
      [[], 'gatehouse'],
      [[join(valuesDir, 'scoped.yaml')], 'internal'],
    ] as const) {
      const { objects } = render({ files: [...files], namespace: 'edge-system' });
      const role = find(objects, 'Role').find((r) => r.metadata.name.endsWith('-leader-election'));
      assert.ok(role, 'a leader-election Role');
      assert.equal(role.metadata.namespace, 'edge-system');
      assert.deepEqual(grants(rulesOf(role)), sorted(leaseGrants(lease)));
    }
  });

  test('every binding names a rendered role and the ServiceAccount the pods run as', () => {
    for (const set of valueSets) {
      const { objects } = render({ files: set.files });
      const sa = soleObject(objects, 'ServiceAccount');
      const podSa = find(objects, 'Deployment').concat(find(objects, 'DaemonSet'))[0].spec.template.spec
        .serviceAccountName;
      assert.equal(podSa, sa.metadata.name);
      for (const b of [...find(objects, 'ClusterRoleBinding'), ...find(objects, 'RoleBinding')]) {
        const role = find(objects, b.roleRef.kind, b.roleRef.name).filter(
          (r) =>
            b.kind === 'ClusterRoleBinding' ||
            r.kind === 'ClusterRole' ||
            r.metadata.namespace === b.metadata.namespace,
        );
        assert.equal(
          role.length,
          1,
          `${set.name}: ${b.kind} ${b.metadata.name} refers to a rendered ${b.roleRef.kind}`,
        );
        assert.deepEqual(b.subjects, [
          { kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'ingress' },
        ]);
      }
    }
  });

  test('rbac.create=false and serviceAccount.create=false render no RBAC and no ServiceAccount', () => {
    const { objects } = render({ set: { 'rbac.create': 'false', 'serviceAccount.create': 'false' } });
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']) {
      assert.deepEqual(find(objects, kind), [], `no ${kind}`);
    }
  });
});
