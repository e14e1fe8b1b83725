// What the rendered objects promise a user: a hardened pod, probes on the admin port, a shutdown that
// outlasts the drain, the ports users expect, and each optional object wired to the others.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  argsOf,
  controllerContainer,
  find,
  type K8sObject,
  render,
  repoDir,
  soleObject,
  valueSets,
  valuesDir,
  workload,
} from './chart.ts';

const values = (name: string) => [join(valuesDir, `${name}.yaml`)];
const podSpec = (objects: K8sObject[]) => workload(objects).spec.template.spec;
const podLabels = (objects: K8sObject[]) =>
  workload(objects).spec.template.metadata.labels as Record<string, string>;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const containerPort = (objects: K8sObject[], name: string): number => {
  const port = (controllerContainer(objects).ports as Array<{ name: string; containerPort: number }>).find(
    (p) => p.name === name,
  );
  assert.ok(port, `the controller container declares port ${name}`);
  return port.containerPort;
};

/** How long the workers drain after SIGTERM, as the controller configures it. */
function drainSeconds(): number {
  const main = readFileSync(join(repoDir, 'controller', 'src', 'main.ts'), 'utf8');
  const m = /drainTimeoutMs:\s*([\d_]+)/.exec(main);
  assert.ok(m, 'controller/src/main.ts sets drainTimeoutMs');
  return Number(m[1].replaceAll('_', '')) / 1000;
}

describe('rendered objects', () => {
  for (const set of valueSets) {
    test(`values "${set.name}": the pod is hardened (non-root, read-only root, no escalation, no capabilities, seccomp)`, () => {
      const { objects } = render({ files: set.files });
      const pod = podSpec(objects);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
      const sc = controllerContainer(objects).securityContext;
      assert.equal(sc.runAsNonRoot, true);
      assert.ok(sc.runAsUser > 0, 'a numeric non-zero UID');
      assert.equal(sc.readOnlyRootFilesystem, true);
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.equal(sc.privileged, false);
      assert.deepEqual(sc.capabilities.drop, ['ALL']);
      assert.equal(sc.capabilities.add, undefined);
      assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
      const tmp = (
        controllerContainer(objects).volumeMounts as Array<{ name: string; mountPath: string }>
      ).find((m) => m.mountPath === '/tmp');
      assert.ok(tmp, '/tmp is mounted');
      const volume = (pod.volumes as Array<{ name: string; emptyDir?: object }>).find(
        (v) => v.name === tmp.name,
      );
      assert.ok(volume?.emptyDir, '/tmp is an emptyDir');
    });

    test(`values "${set.name}": liveness /healthz and readiness /readyz on the admin port, never a data-plane port`, () => {
      const { objects } = render({ files: set.files });
      const c = controllerContainer(objects);
      const adminPort = Number(argsOf(objects).get('admin-port'));
      for (const [probe, path] of [
        ['livenessProbe', '/healthz'],
        ['readinessProbe', '/readyz'],
      ] as const) {
        assert.equal(c[probe].httpGet.path, path);
        assert.equal(
          containerPort(objects, c[probe].httpGet.port),
          adminPort,
          `${probe} targets --admin-port`,
        );
      }
    });

    test(`values "${set.name}": the grace period covers the preStop sleep and the workers' drain`, () => {
      const { objects } = render({ files: set.files });
      const sleep = controllerContainer(objects).lifecycle.preStop.sleep.seconds;
      assert.ok(sleep > 0, 'preStop waits for endpoints to stop sending');
      assert.ok(podSpec(objects).terminationGracePeriodSeconds >= sleep + drainSeconds() + 5);
    });

    test(`values "${set.name}": selectors of the Service, PDB, NetworkPolicy and monitors match the pods`, () => {
      const { objects } = render({ files: set.files });
      const labels = podLabels(objects);
      assert.ok(selects(workload(objects).spec.selector.matchLabels, labels));
      for (const s of find(objects, 'Service'))
        assert.ok(selects(s.spec.selector, labels), `Service ${s.metadata.name}`);
      for (const kind of ['PodDisruptionBudget', 'NetworkPolicy', 'PodMonitor']) {
        for (const o of find(objects, kind)) {
          const selector =
            kind === 'NetworkPolicy' ? o.spec.podSelector.matchLabels : o.spec.selector.matchLabels;
          assert.ok(selects(selector, labels), `${kind} ${o.metadata.name}`);
        }
      }
    });
  }

  test('defaults: a two-replica Deployment behind a LoadBalancer on 80/443 → the http/https listeners', () => {
    const { objects } = render();
    const deployment = soleObject(objects, 'Deployment');
    assert.equal(deployment.spec.replicas, 2);
    const service = soleObject(objects, 'Service');
    assert.equal(service.spec.type, 'LoadBalancer');
    assert.deepEqual(
      service.spec.ports.map((p: { name: string; port: number; targetPort: string }) => [
        p.name,
        p.port,
        p.targetPort,
      ]),
      [
        ['http', 80, 'http'],
        ['https', 443, 'https'],
      ],
    );
    assert.equal(containerPort(objects, 'http'), 8080);
    assert.equal(containerPort(objects, 'https'), 8443);
    // Two replicas: a PDB keeps one serving through drains, and the scheduler spreads them over nodes.
    assert.equal(soleObject(objects, 'PodDisruptionBudget').spec.minAvailable, 1);
    const spread = podSpec(objects).topologySpreadConstraints as Array<{
      topologyKey: string;
      whenUnsatisfiable: string;
      labelSelector: { matchLabels: Record<string, string> };
    }>;
    assert.deepEqual(
      spread.map((s) => [s.topologyKey, s.whenUnsatisfiable]),
      [['kubernetes.io/hostname', 'ScheduleAnyway']],
    );
    assert.ok(selects(spread[0].labelSelector.matchLabels, podLabels(objects)), 'spread counts these pods');
    // Memory from the measured pod peak (README "Reliability"): the limit has headroom over it.
    assert.deepEqual(controllerContainer(objects).resources.requests.memory, '768Mi');
    assert.deepEqual(controllerContainer(objects).resources.limits.memory, '1280Mi');
    assert.deepEqual(find(objects, 'HorizontalPodAutoscaler'), []);
    assert.equal(
      soleObject(objects, 'IngressClass').metadata.annotations,
      undefined,
      'not the default class',
    );
  });

  test('one replica is a value away: no PDB then', () => {
    const { objects } = render({ set: { 'controller.replicaCount': '1' } });
    assert.equal(soleObject(objects, 'Deployment').spec.replicas, 1);
    assert.deepEqual(find(objects, 'PodDisruptionBudget'), [], 'no PDB for a single replica');
  });

  test('DaemonSet: one pod per node on host ports 80/443, no replicas, NodePort Service keeping client addresses', () => {
    const { objects } = render({ files: values('daemonset') });
    const ds = soleObject(objects, 'DaemonSet');
    assert.deepEqual(find(objects, 'Deployment'), []);
    assert.equal(ds.spec.replicas, undefined);
    assert.equal(ds.spec.updateStrategy.type, 'RollingUpdate');
    const ports = controllerContainer(objects).ports as Array<{ name: string; hostPort?: number }>;
    assert.deepEqual(
      ports.filter((p) => p.hostPort).map((p) => [p.name, p.hostPort]),
      [
        ['http', 80],
        ['https', 443],
      ],
    );
    const service = soleObject(objects, 'Service');
    assert.equal(service.spec.type, 'NodePort');
    assert.equal(service.spec.externalTrafficPolicy, 'Local');
    assert.deepEqual(
      service.spec.ports.map((p: { nodePort: number }) => p.nodePort),
      [30080, 30443],
    );
    assert.deepEqual(find(objects, 'PodDisruptionBudget'), []);
  });

  test('HPA: scales the Deployment between min and max on CPU and memory; the Deployment leaves replicas to it', () => {
    const { objects } = render({ files: values('hpa') });
    const hpa = soleObject(objects, 'HorizontalPodAutoscaler');
    const deployment = soleObject(objects, 'Deployment');
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    assert.equal(hpa.spec.minReplicas, 3);
    assert.equal(hpa.spec.maxReplicas, 12);
    assert.deepEqual(
      hpa.spec.metrics.map((m: { resource: { name: string; target: { averageUtilization: number } } }) => [
        m.resource.name,
        m.resource.target.averageUtilization,
      ]),
      [
        ['cpu', 60],
        ['memory', 80],
      ],
    );
    assert.equal(deployment.spec.replicas, undefined);
    const pdb = soleObject(objects, 'PodDisruptionBudget');
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.equal(pdb.spec.minAvailable, undefined);
    const spread = podSpec(objects).topologySpreadConstraints as Array<{
      labelSelector: { matchLabels: Record<string, string> };
    }>;
    assert.equal(spread.length, 2);
    for (const s of spread)
      assert.ok(selects(s.labelSelector.matchLabels, podLabels(objects)), 'spread counts these pods');
  });

  test('default class: the IngressClass carries is-default-class, and two replicas get a PDB', () => {
    const { objects } = render({ files: values('default-class') });
    const cls = soleObject(objects, 'IngressClass');
    assert.equal(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
    assert.equal(cls.spec.controller, argsOf(objects).get('controller-name'));
    assert.equal(cls.metadata.name, argsOf(objects).get('ingress-class'));
    assert.equal(soleObject(objects, 'PodDisruptionBudget').spec.minAvailable, 1);
  });

  test('metrics: a metrics Service, a ServiceMonitor that selects only it, and a PodMonitor on the admin port', () => {
    const { objects } = render({ files: values('metrics') });
    const services = find(objects, 'Service');
    const metrics = services.find((s) => s.metadata.name.endsWith('-metrics'));
    assert.ok(metrics, 'a metrics Service');
    assert.deepEqual(
      metrics.spec.ports.map((p: { port: number; targetPort: string }) => [p.port, p.targetPort]),
      [[10254, 'metrics']],
    );
    const monitor = soleObject(objects, 'ServiceMonitor');
    assert.deepEqual(
      services
        .filter((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}))
        .map((s) => s.metadata.name),
      [metrics.metadata.name],
    );
    assert.equal(monitor.spec.endpoints[0].port, 'metrics');
    assert.equal(monitor.spec.endpoints[0].path, '/metrics');
    assert.equal(monitor.metadata.labels?.release, 'kube-prometheus-stack');
    const podMonitor = soleObject(objects, 'PodMonitor');
    assert.equal(containerPort(objects, podMonitor.spec.podMetricsEndpoints[0].port), 10254);
    const policy = soleObject(objects, 'NetworkPolicy');
    const admin = policy.spec.ingress.find(
      (r: { ports: Array<{ port: number }> }) => r.ports[0].port === 10254,
    );
    assert.deepEqual(admin.from, [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      },
    ]);
  });

  test('NetworkPolicy by default: listeners open to every peer, the admin port to pods of the release namespace only', () => {
    const { objects } = render();
    const rules = soleObject(objects, 'NetworkPolicy').spec.ingress as Array<{
      ports: Array<{ port: number }>;
      from?: unknown[];
    }>;
    const listeners = rules.find((r) => r.ports.some((p) => p.port === 8080));
    const admin = rules.find((r) => r.ports.some((p) => p.port === 10254));
    assert.deepEqual(
      listeners?.ports.map((p) => p.port),
      [8080, 8443],
    );
    assert.equal(listeners?.from, undefined, 'the listeners admit every peer');
    assert.deepEqual(
      admin?.ports,
      [{ protocol: 'TCP', port: 10254 }],
      'the admin port has a rule of its own',
    );
    // A podSelector alone selects pods of the policy's own namespace: the release namespace.
    assert.deepEqual(admin?.from, [{ podSelector: {} }]);
  });

  test('NetworkPolicy admits exactly the listener and admin ports and leaves egress open', () => {
    const { objects } = render({ files: values('flags') });
    const policy = soleObject(objects, 'NetworkPolicy');
    const ports = policy.spec.ingress
      .flatMap((r: { ports: Array<{ port: number }> }) => r.ports.map((p) => p.port))
      .sort();
    assert.deepEqual(ports, [9080, 9254, 9443]);
    assert.deepEqual(policy.spec.egress, [{}]);
    assert.deepEqual(
      find(render({ set: { 'controller.networkPolicy.enabled': 'false' } }).objects, 'NetworkPolicy'),
      [],
    );
  });

  test('scoped: ClusterIP Service, and the pods know their namespace for the Lease', () => {
    const { objects } = render({ files: values('scoped') });
    assert.equal(soleObject(objects, 'Service').spec.type, 'ClusterIP');
    const env = controllerContainer(objects).env as Array<{
      name: string;
      valueFrom?: { fieldRef?: { fieldPath: string } };
    }>;
    assert.equal(
      env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath,
      'metadata.namespace',
    );
  });

  test('image: registry/image:appVersion by default, a digest wins over the tag', () => {
    assert.equal(controllerContainer(render().objects).image, 'ghcr.io/gatehouse/gatehouse:0.1.0');
    const digest = `sha256:${'a'.repeat(64)}`;
    const { objects } = render({
      set: { 'controller.image.digest': digest, 'controller.image.tag': '9.9.9' },
    });
    assert.equal(controllerContainer(objects).image, `ghcr.io/gatehouse/gatehouse@${digest}`);
  });
});
