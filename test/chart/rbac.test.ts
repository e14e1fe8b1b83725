// The chart's RBAC is cluster mode's checked-in least privilege (deploy/rbac/), nothing more, in
// every value set; a watch namespace moves the namespaced grants into a Role of that namespace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { derivedRbac, grantsOf, type PolicyRule } from '../../controller/src/sources/kube/rbac.ts';
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

/**
 * What cluster mode needs, derived from the table of its API requests
 * (controller/src/sources/kube/access.ts), never a list pinned here.
 */
const derived = (lease: string) => derivedRbac(lease);
/** Everything but the Lease: ClusterRole, or ClusterRole + a Role of the watched namespace. */
const clusterModeGrants = grantsOf([...derived('gatehouse').cluster, ...derived('gatehouse').watched]);
/** Leader election and IngressClass Events, in the controller's own namespace. */
const leaseGrants = (lease: string) => grantsOf(derived(lease).own);
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

  test('deploy/rbac grants exactly what the access table derives: reads, Ingress status, Events, one Lease', () => {
    assert.deepEqual(grantsOf(fileRules(deployDir, 'clusterrole.yaml')), sorted(clusterModeGrants));
    assert.deepEqual(grantsOf(fileRules(deployDir, 'role.yaml')), sorted(leaseGrants('gatehouse')));
  });

  for (const set of valueSets) {
    test(`values "${set.name}": every rendered Role and ClusterRole together grant exactly the derived rules`, () => {
      const { objects } = render({ files: set.files });
      const lease = soleObject(objects, 'IngressClass').metadata.name;
      const rendered = [...find(objects, 'ClusterRole'), ...find(objects, 'Role')].flatMap((o) =>
        grantsOf(rulesOf(o)),
      );
      assert.deepEqual(
        sorted([...new Set(rendered)]),
        sorted([...new Set([...clusterModeGrants, ...leaseGrants(lease)])]),
      );
    });
  }

  test('cluster-wide watch: the ClusterRole has the rules of deploy/rbac/clusterrole.yaml, in order', () => {
    const { objects } = render();
    assert.deepEqual(rulesOf(soleObject(objects, 'ClusterRole')), fileRules(deployDir, 'clusterrole.yaml'));
  });

  test('watch namespace: IngressClass stays cluster-wide, the namespaced kinds become a Role in that namespace', () => {
    const { objects } = render({ files: [join(valuesDir, 'scoped.yaml')] });
    const clusterRole = soleObject(objects, 'ClusterRole');
    assert.deepEqual(grantsOf(rulesOf(clusterRole)), grantsOf(derived('internal').cluster));
    const watchRole = find(objects, 'Role').filter((r) => r.metadata.namespace === 'apps');
    assert.equal(watchRole.length, 1, 'one Role in the watched namespace "apps"');
    assert.deepEqual(grantsOf(rulesOf(watchRole[0])), grantsOf(derived('internal').watched));
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
      assert.deepEqual(grantsOf(rulesOf(role)), sorted(leaseGrants(lease)));
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
