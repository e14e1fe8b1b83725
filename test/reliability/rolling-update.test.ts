// Backend rolling update under load (issue 28, item 2): EndpointSlices written in the order the
// EndpointSlice controller writes them during a Deployment rollout (maxSurge 1, maxUnavailable 0),
// in front of backends that drain as pods do after SIGTERM. Per replaced pod:
//   1. the new pod turns ready: its endpoint is added, ready;
//   2. the old pod is deleted: kubelet sends SIGTERM (it stops accepting, finishes in-flight
//      requests) while the controller marks its endpoint `serving: true, terminating: true,
//      ready: false` (EndpointSlice docs, "Conditions");
//   3. the old pod is gone: its endpoint is removed.
// Idempotent GETs run throughout: not one may fail.
// A named targetPort resolving to a different container port per pod is why each pod has its own
// slice here: the controller groups endpoints into slices by their port mapping.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  startGatehouse,
  waitFor,
} from '../integration/harness.ts';
import { type DrainingBackend, startDrainingBackend } from './draining-backend.ts';
import { startLoad } from './load.ts';
import { newerVersion, servedVersion } from './processes.ts';
import { report, rolloutSize } from './scale.ts';

const HOST = 'web.test';
/** The pod's terminationGracePeriodSeconds, short: after it the pod is killed, connections and all. */
const GRACE_MS = 5_000;

type PodState = 'ready' | 'terminating';

/** The Service and one EndpointSlice per pod, as the EndpointSlice controller would write them. */
function serviceObjects(pods: Array<{ backend: DrainingBackend; state: PodState }>): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    ...pods.map(({ backend, state }) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `web-${backend.name}`,
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'web' },
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: backend.port }],
      endpoints: [
        {
          addresses: ['127.0.0.1'],
          targetRef: { kind: 'Pod', namespace: 'default', name: backend.name },
          conditions:
            state === 'ready'
              ? { ready: true, serving: true, terminating: false }
              : { ready: false, serving: true, terminating: true },
        },
      ],
    })),
  ];
}

describe('backend rolling update under load', () => {
  const dir = new ManifestDir();
  const everyPod: DrainingBackend[] = [];
  let g: Gatehouse;

  after(async () => {
    await g?.stop();
    for (const pod of everyPod) pod.exit();
    dir.cleanup();
  });

  before(async () => {
    dir.write('ingress.yaml', [
      ingressClass(),
      ingress('default', 'web', [{ host: HOST, paths: [{ path: '/', service: 'web' }] }]),
    ]);
  });

  it(`${rolloutSize.rollouts} rollout(s) of ${rolloutSize.replicas} replicas: 0 failed idempotent requests`, async (t) => {
    const pods: Array<{ backend: DrainingBackend; state: PodState }> = [];
    const startPod = async (name: string): Promise<DrainingBackend> => {
      const backend = await startDrainingBackend(name);
      everyPod.push(backend);
      return backend;
    };
    for (let r = 0; r < rolloutSize.replicas; r++)
      pods.push({ backend: await startPod(`v0-${r}`), state: 'ready' });
    dir.write('web.yaml', serviceObjects(pods));
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
    let version = (await servedVersion(g)) ?? 0;
    const publish = async (): Promise<void> => {
      dir.write('web.yaml', serviceObjects(pods));
      version = await newerVersion(g, version);
    };
    // Removing an endpoint the table no longer routes to (terminating while others are ready)
    // leaves the table as it was: no new version to wait for. The next write's version covers it.
    const publishUnrouted = (): void => dir.write('web.yaml', serviceObjects(pods));

    const load = startLoad({ port: g.httpPort, host: HOST, ...rolloutSize });
    t.after(() => load.stop());
    await waitFor('load to run on every connection', () => load.clients.every((c) => c.ok > 0));
    const started = performance.now();
    let servedWhileDraining = 0;
    const graceExpired: string[] = [];
    for (let generation = 1; generation <= rolloutSize.rollouts; generation++) {
      for (let r = 0; r < rolloutSize.replicas; r++) {
        // 1. The new pod is ready: added.
        pods.push({ backend: await startPod(`v${generation}-${r}`), state: 'ready' });
        await publish();
        // 2. The old pod is deleted: SIGTERM and the terminating condition at once.
        const old = pods.shift()!;
        old.state = 'terminating';
        pods.push(old);
        const drained = old.backend.drain(GRACE_MS);
        await publish();
        if (!(await drained)) graceExpired.push(`${old.backend.name} (${old.backend.connections()} open)`);
        servedWhileDraining += old.backend.servedWhileDraining;
        // 3. The old pod has exited: removed.
        old.backend.exit();
        pods.splice(pods.indexOf(old), 1);
        publishUnrouted();
      }
    }
    const rolloutMs = Math.round(performance.now() - started);
    // The last generation serves: load still answered after the final slice write.
    const answeredAtEnd = load.done();
    await waitFor('requests after the rollout', () => load.done() > answeredAtEnd + rolloutSize.concurrency);
    load.stop();
    const result = await load.result;

    assert.deepEqual(graceExpired, [], 'every old pod drained within its grace period');
    assert.equal(result.failed, 0, `failed requests: ${JSON.stringify(result.outcomes)}`);
    assert.ok(!result.hitDeadline, 'the load ran until the rollout was done');
    for (const { backend } of pods) assert.ok(backend.served > 0, `the new pod ${backend.name} served`);

    report(
      t,
      `rolling update: pods replaced (${rolloutSize.rollouts} rollout(s) of ${rolloutSize.replicas} replicas)`,
      rolloutSize.rollouts * rolloutSize.replicas,
    );
    report(t, 'rolling update: ms for the whole rollout, each slice write waited for on /readyz', rolloutMs);
    report(
      t,
      `rolling update: GETs at concurrency ${rolloutSize.concurrency}`,
      `${result.sent} sent, ${result.failed} failed ${JSON.stringify(result.outcomes)}`,
    );
    report(t, 'rolling update: requests old pods answered while draining', servedWhileDraining);
  });
});
