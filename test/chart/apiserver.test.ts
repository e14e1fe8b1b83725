// The chart against the real kube-apiserver of the e2e suite: every rendered object passes a
// server-side dry-run apply (ServiceMonitor and PodMonitor included, once prometheus-operator's CRDs
// are in), and `helm install`, `helm upgrade` and `helm uninstall` of the default
// values work and leave nothing behind. There is no kubelet nor controller-manager: objects are
// created and validated, but no ReplicaSet or pod ever runs, which is expected.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { derivedRbac, type PolicyRule } from '../../controller/src/sources/kube/rbac.ts';
import { type Cluster, startCluster } from '../../e2e/lib/cluster.ts';
import { waitFor } from '../../e2e/lib/wait.ts';
import { chartDir, helm, type K8sObject, kubeVersion, render, repoDir, valueSets } from './chart.ts';
import { chartTools } from './tools.ts';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describe('chart on a real kube-apiserver', { timeout: 240_000 }, () => {
  let cluster: Cluster;
  const kubectl = (args: string[], input?: string, kubeconfig?: string): Run => {
    const run = spawnSync(
      chartTools().kubectl,
      ['--kubeconfig', kubeconfig ?? cluster.adminKubeconfig, ...args],
      {
        input,
        encoding: 'utf8',
      },
    );
    return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
  };
  const helmOn = (args: string[], version: 'helm4' | 'helm3' = 'helm4') =>
    helm(args, { helm: version, kubeconfig: cluster.adminKubeconfig });
  const dryRun = (objects: K8sObject[]) =>
    kubectl(
      ['apply', '--server-side', '--dry-run=server', '--field-manager=chart-test', '-f', '-'],
      objects.map((o) => stringify(o)).join('---\n'),
    );
  /** Names of objects of a kind carrying the release's instance label, in the namespace or cluster-wide. */
  const leftovers = (release: string, kinds: string): string[] => {
    const run = kubectl([
      'get',
      kinds,
      '--all-namespaces',
      '-l',
      `app.kubernetes.io/instance=${release}`,
      '-o',
      'name',
    ]);
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter((l) => l !== '');
  };

  before(async () => {
    cluster = await startCluster();
    assert.ok(
      cluster.kubeVersion.startsWith(`v${kubeVersion.split('.').slice(0, 2).join('.')}.`),
      cluster.kubeVersion,
    );
    // ServiceMonitor and PodMonitor need prometheus-operator's CRDs, as in a real cluster.
    const crds = kubectl(['apply', '--server-side', '-f', chartTools().monitoringCrds]);
    assert.equal(crds.status, 0, crds.stderr);
    await waitFor(
      () =>
        kubectl([
          'get',
          'crd',
          'servicemonitors.monitoring.coreos.com',
          'podmonitors.monitoring.coreos.com',
          '-o',
          'jsonpath={.items[*].status.conditions[?(@.type=="Established")].status}',
        ]).stdout === 'True True',
      { what: 'the monitoring CRDs to be established' },
    );
    for (const ns of ['ingress', 'apps']) {
      const run = kubectl(['create', 'namespace', ns]);
      assert.equal(run.status, 0, run.stderr);
    }
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const set of valueSets) {
    test(`values "${set.name}": every object passes a server-side dry-run apply`, () => {
      const objects = render({ files: set.files }).objects;
      const run = dryRun(objects);
      assert.equal(run.status, 0, run.stderr);
      const applied = run.stdout.split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)'));
      assert.equal(applied.length, objects.length, run.stdout);
    });
  }

  test('deploy/rbac applies as it is, for the gatehouse/gatehouse ServiceAccount of the e2e suite', () => {
    const run = kubectl([
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      join(repoDir, 'deploy', 'rbac'),
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout.split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)')).length,
      4,
    );
  });

  test('the dry-run rejects what the apiserver would reject (a selector that misses the pod labels)', () => {
    const objects = render().objects.map((o) => {
      if (o.kind !== 'Deployment') return o;
      const copy = structuredClone(o);
      copy.spec.selector.matchLabels['app.kubernetes.io/component'] = 'elsewhere';
      return copy;
    });
    const run = dryRun(objects);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /selector.*does not match template .*labels/);
  });

  test('helm install, upgrade and uninstall of the defaults leave nothing behind', async () => {
    const release = 'edge';
    const namespace = 'gatehouse-system';
    const install = helmOn(['install', release, chartDir, '--namespace', namespace, '--create-namespace']);
    assert.equal(install.status, 0, install.stderr);
    assert.match(install.stdout, /STATUS: deployed/);
    assert.match(
      install.stdout,
      /kubectl --namespace gatehouse-system rollout status deployment\/edge-gatehouse/,
      'NOTES',
    );

    const names = leftovers(release, 'deployment,service,serviceaccount,networkpolicy,role,rolebinding');
    assert.deepEqual(names.sort(), [
      'deployment.apps/edge-gatehouse',
      'networkpolicy.networking.k8s.io/edge-gatehouse',
      'role.rbac.authorization.k8s.io/edge-gatehouse-leader-election',
      'rolebinding.rbac.authorization.k8s.io/edge-gatehouse-leader-election',
      'service/edge-gatehouse',
      'serviceaccount/edge-gatehouse',
    ]);
    const clusterWide = leftovers(release, 'clusterrole,clusterrolebinding,ingressclass');
    assert.deepEqual(clusterWide.sort(), [
      'clusterrole.rbac.authorization.k8s.io/edge-gatehouse',
      'clusterrolebinding.rbac.authorization.k8s.io/edge-gatehouse',
      'ingressclass.networking.k8s.io/gatehouse',
    ]);

    const upgrade = helmOn([
      'upgrade',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--set',
      'controller.replicaCount=2',
      '--set',
      'controller.metrics.enabled=true',
      '--set',
      'controller.metrics.serviceMonitor.enabled=true',
    ]);
    assert.equal(upgrade.status, 0, upgrade.stderr);
    const replicas = kubectl([
      'get',
      'deployment',
      'edge-gatehouse',
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.replicas}',
    ]);
    assert.equal(replicas.stdout, '2');
    assert.deepEqual(leftovers(release, 'poddisruptionbudget,service,servicemonitor').sort(), [
      'poddisruptionbudget.policy/edge-gatehouse',
      'service/edge-gatehouse',
      'service/edge-gatehouse-metrics',
      'servicemonitor.monitoring.coreos.com/edge-gatehouse',
    ]);
    const history = helmOn(['history', release, '--namespace', namespace, '-o', 'json']);
    assert.equal((JSON.parse(history.stdout) as unknown[]).length, 2);

    const uninstall = helmOn(['uninstall', release, '--namespace', namespace]);
    assert.equal(uninstall.status, 0, uninstall.stderr);
    const everything =
      'deployment,daemonset,service,serviceaccount,configmap,secret,networkpolicy,role,rolebinding,' +
      'poddisruptionbudget,horizontalpodautoscaler,servicemonitor,podmonitor,clusterrole,clusterrolebinding,' +
      'ingressclass';
    // Deletion is synchronous for these kinds (no finalizers without a controller-manager), but wait
    // on the condition rather than assume it.
    await waitFor(() => leftovers(release, everything).length === 0, {
      what: 'no object of the release left',
    });
    const secrets = kubectl(['get', 'secrets', '-n', namespace, '-o', 'name']);
    assert.doesNotMatch(secrets.stdout, /sh\.helm\.release/, 'the release records are gone');
  });

  test('helm 3 installs the scoped value set and uninstalls it cleanly', async () => {
    const scoped = valueSets.find((s) => s.name === 'scoped');
    assert.ok(scoped);
    const install = helmOn(
      [
        'install',
        'internal',
        chartDir,
        '--namespace',
        'ingress',
        ...scoped.files.flatMap((f) => ['--values', f]),
      ],
      'helm3',
    );
    assert.equal(install.status, 0, install.stderr);
    assert.deepEqual(leftovers('internal', 'role').sort(), [
      'role.rbac.authorization.k8s.io/internal-gatehouse',
      'role.rbac.authorization.k8s.io/internal-gatehouse-leader-election',
    ]);
    const uninstall = helmOn(['uninstall', 'internal', '--namespace', 'ingress'], 'helm3');
    assert.equal(uninstall.status, 0, uninstall.stderr);
    await waitFor(
      () =>
        leftovers('internal', 'all,role,rolebinding,clusterrole,clusterrolebinding,ingressclass').length ===
        0,
      {
        what: 'no object of the release left',
      },
    );
  });

  test("the chart's RBAC, bound to a real token, allows cluster mode's calls and refuses the rest", async () => {
    // Bind the chart's roles to the suite's gatehouse/gatehouse ServiceAccount and ask the
    // apiserver's authorizer, as that token, what it may do.
    const install = helmOn([
      'install',
      'rbac',
      chartDir,
      '--namespace',
      'gatehouse',
      '--set',
      'serviceAccount.create=false',
      '--set',
      'serviceAccount.name=gatehouse',
    ]);
    assert.equal(install.status, 0, install.stderr);
    const canI = (...args: string[]) =>
      kubectl(['auth', 'can-i', ...args], undefined, cluster.gatehouseKubeconfig);
    // Every permission the access table derives (controller/src/sources/kube/access.ts), asked as kubectl
    // would: the watched kinds in some namespace, the Lease in the release namespace.
    const { cluster: clusterRules, watched, own } = derivedRbac('gatehouse');
    const canIArgs = (rules: PolicyRule[], namespace?: string) =>
      rules.flatMap((r) =>
        r.verbs.flatMap((verb) =>
          r.resources.map((res) => {
            const [plural, sub] = res.split('/');
            const kind = r.apiGroups[0] === '' ? plural : `${plural}.${r.apiGroups[0]}`;
            const name = r.resourceNames ? `/${r.resourceNames[0]}` : '';
            return [
              verb,
              `${kind}${name}`,
              ...(sub ? [`--subresource=${sub}`] : []),
              ...(namespace ? ['-n', namespace] : []),
            ];
          }),
        ),
      );
    const allowed = [
      ...canIArgs(clusterRules),
      ...canIArgs(watched, 'apps'),
      ...canIArgs(watched).map((args) => [...args, '--all-namespaces']),
      ...canIArgs(own, 'gatehouse'),
    ];
    const refused = [
      ['update', 'ingresses.networking.k8s.io', '-n', 'apps'],
      ['get', 'secrets/tls', '-n', 'apps'],
      ['get', 'services/web', '-n', 'apps'],
      ['patch', 'events.events.k8s.io', '-n', 'apps'],
      ['create', 'secrets', '-n', 'apps'],
      // ConfigMaps are listed and watched one by name (custom-headers), never read by get.
      ['get', 'configmaps/settings', '-n', 'apps'],
      ['list', 'pods', '--all-namespaces'],
      ['create', 'events', '-n', 'apps'],
      ['get', 'leases.coordination.k8s.io/someone-else', '-n', 'gatehouse'],
      ['create', 'leases.coordination.k8s.io', '-n', 'apps'],
      ['list', 'leases.coordination.k8s.io', '-n', 'gatehouse'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
    ];
    // RBAC reaches the authorizer through its informer: wait until the first grant is visible.
    await waitFor(() => canI(...allowed[0]).status === 0, { what: 'the chart RBAC to take effect' });
    for (const args of allowed) assert.equal(canI(...args).stdout.trim(), 'yes', `can ${args.join(' ')}`);
    for (const args of refused) assert.equal(canI(...args).stdout.trim(), 'no', `cannot ${args.join(' ')}`);
    assert.equal(helmOn(['uninstall', 'rbac', '--namespace', 'gatehouse']).status, 0);
  });
});
