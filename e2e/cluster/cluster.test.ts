// Smoke test of the e2e control plane itself: the pinned apiserver really runs, EndpointSlices take
// the netns addresses (and refuse loopback), the gatehouse identity starts with no rights, backends
// in the namespace are reachable, and teardown leaves nothing behind.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  AuthenticationV1Api,
  DiscoveryV1Api,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  type V1EndpointSlice,
  VersionApi,
} from '@kubernetes/client-node';
import { type Cluster, netnsExists, startCluster } from '../lib/cluster.ts';
import { isRunning } from '../lib/procs.ts';
import { waitFor } from '../lib/wait.ts';

const echoBackend = new URL('../lib/echo-backend.ts', import.meta.url).pathname;

function endpointSlice(name: string, address: string): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'smoke' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** The HTTP status of a failed client call (the v2 client throws ApiException). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

describe('e2e cluster', { timeout: 180_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('/version reports the pinned Kubernetes release, not a development build', async () => {
    const version = await cluster.kubeConfig('admin').makeApiClient(VersionApi).getCode();
    assert.match(cluster.kubeVersion, /^v1\.\d+\.\d+$/);
    assert.equal(version.gitVersion, cluster.kubeVersion);
    const [, minor] = cluster.kubeVersion.slice(1).split('.');
    assert.equal(version.major, '1');
    assert.equal(version.minor, minor);
  });

  test('an EndpointSlice naming a netns backend address is accepted', async () => {
    const api = cluster.kubeConfig('admin').makeApiClient(DiscoveryV1Api);
    const created = await api.createNamespacedEndpointSlice({
      namespace: 'default',
      body: endpointSlice('smoke-netns', cluster.backendIps[0]),
    });
    assert.deepEqual(created.endpoints?.[0]?.addresses, [cluster.backendIps[0]]);
  });

  test('an EndpointSlice naming 127.0.0.1 is refused as invalid (422)', async () => {
    const api = cluster.kubeConfig('admin').makeApiClient(DiscoveryV1Api);
    const call = api.createNamespacedEndpointSlice({
      namespace: 'default',
      body: endpointSlice('smoke-loopback', '127.0.0.1'),
    });
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof ApiException);
      assert.equal(error.code, 422);
      assert.match(String(error.body), /loopback/);
      return true;
    });
  });

  test('the gatehouse ServiceAccount is authenticated but gets 403 listing Ingresses until RBAC allows it', async () => {
    const kc = cluster.kubeConfig('gatehouse');
    const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.equal(review.status?.userInfo?.username, 'system:serviceaccount:gatehouse:gatehouse');

    const networking = kc.makeApiClient(NetworkingV1Api);
    assert.equal(await statusOf(networking.listIngressForAllNamespaces()), 403);

    const rbac = cluster.kubeConfig('admin').makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: {
        metadata: { name: 'smoke-ingress-reader' },
        rules: [{ apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['list'] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'smoke-ingress-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'smoke-ingress-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'gatehouse', namespace: 'gatehouse' }],
      },
    });
    // The RBAC authorizer learns of the binding through its informer: wait for it, briefly.
    await waitFor(async () => (await statusOf(networking.listIngressForAllNamespaces())) === 200, {
      what: 'the binding to allow listing Ingresses',
      timeoutMs: 10_000,
    });
  });

  test('a backend bound inside the netns is reachable from the root namespace', async () => {
    const address = cluster.backendIps[1];
    const backend: ChildProcess = cluster.runInNetns(process.execPath, [
      echoBackend,
      '--host',
      address,
      '--port',
      '8080',
      '--name',
      'smoke',
    ]);
    assert.ok(backend.pid, 'backend spawned');
    const body = await waitFor(
      async () => {
        const res = await fetch(`http://${address}:8080/hello`, { signal: AbortSignal.timeout(1000) });
        return (await res.json()) as { backend: string; url: string };
      },
      { what: `echo backend on ${address}:8080` },
    );
    assert.deepEqual({ backend: body.backend, url: body.url }, { backend: 'smoke', url: '/hello' });
    assert.ok(cluster.processes().some((p) => p.pid === backend.pid));
  });

  test('stop() ends every recorded process and removes the netns, veth and state dir', async () => {
    const processes = cluster.processes();
    const names = processes.map((p) => p.name);
    assert.ok(names.includes('etcd') && names.includes('kube-apiserver'), names.join());
    assert.ok(processes.every(isRunning), 'all running before stop');
    assert.ok(netnsExists(cluster.netns));
    assert.ok(existsSync(`/sys/class/net/${cluster.hostInterface}`));

    await cluster.stop();

    assert.deepEqual(processes.filter(isRunning), []);
    assert.equal(netnsExists(cluster.netns), false);
    assert.equal(existsSync(`/sys/class/net/${cluster.hostInterface}`), false);
    assert.equal(existsSync(cluster.stateDir), false);
  });
});
