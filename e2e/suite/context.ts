// The world every scenario shares: one cluster with the shipped RBAC applied, the IngressClass,
// echo backends inside the netns, and the current Gatehouse replica (run as the RBAC identity).
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type Cluster, startCluster } from '../lib/cluster.ts';
import { waitFor } from '../lib/wait.ts';
import { type Gatehouse, startGatehouse } from './gatehouse.ts';
import { Kube, type KubeObject } from './kube.ts';
import { Measurements } from './measure.ts';
import { BACKEND_PORT, CLASS, CONTROLLER, ingressClass, namespace } from './objects.ts';

const repoDir = fileURLToPath(new URL('../..', import.meta.url));
const echoBackend = fileURLToPath(new URL('../lib/echo-backend.ts', import.meta.url));

export interface Backend {
  /** The name the echo backend answers with. */
  name: string;
  ip: string;
}

export interface Suite {
  cluster: Cluster;
  /** system:masters: creates what the scenarios need. */
  admin: Kube;
  /** The gatehouse ServiceAccount, bound only by deploy/rbac. */
  asGatehouse: Kube;
  /** One echo backend per netns address, all on BACKEND_PORT. */
  backends: Backend[];
  /** The replica scenarios send traffic through; the leader scenario replaces it. */
  gatehouse: Gatehouse;
  replicas: Gatehouse[];
  measurements: Measurements;
  /** A fresh namespace (a deleted one stays Terminating here: no controller-manager). */
  newNamespace(prefix: string): Promise<string>;
  startReplica(name: string, publishAddress: string): Promise<Gatehouse>;
}

let current: Suite | undefined;

export function suite(): Suite {
  if (!current) throw new Error('the e2e suite is not set up (its before hook failed?)');
  return current;
}

/** deploy/rbac/*.yaml as API objects, in file order. */
export function shippedRbac(): KubeObject[] {
  const dir = join(repoDir, 'deploy', 'rbac');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter((o) => o !== null);
}

/** crds/*.yaml as API objects. */
export function shippedCrds(): KubeObject[] {
  const dir = join(repoDir, 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter((o) => o !== null);
}

export async function setUp(): Promise<Suite> {
  const cluster = await startCluster();
  try {
    return await prepare(cluster);
  } catch (error) {
    for (const g of current?.replicas ?? []) await g.stop();
    current = undefined;
    await cluster.stop();
    throw error;
  }
}

async function prepare(cluster: Cluster): Promise<Suite> {
  const admin = new Kube(cluster.adminKubeconfig);
  const asGatehouse = new Kube(cluster.gatehouseKubeconfig);
  // The CRD first, as Helm installs crds/ before templates: the replicas find routepolicies served.
  for (const object of shippedCrds()) await admin.create(object);
  await waitFor(
    async () => (await admin.call('GET', '/apis/gatehouse.dev/v1alpha1/routepolicies')).status === 200,
    {
      what: 'the RoutePolicy CRD to be established',
      timeoutMs: 15_000,
    },
  );
  for (const object of shippedRbac()) await admin.create(object);
  // The RBAC authorizer learns of new bindings through its informer: wait until they apply.
  await waitFor(
    async () =>
      (await asGatehouse.call('GET', '/apis/networking.k8s.io/v1/ingresses')).status === 200 &&
      (await asGatehouse.call('GET', `/apis/coordination.k8s.io/v1/namespaces/gatehouse/leases/${CLASS}`))
        .status === 404,
    { what: 'deploy/rbac to take effect for the gatehouse identity', timeoutMs: 15_000 },
  );
  await admin.create(ingressClass(CLASS, CONTROLLER));

  const children: ChildProcess[] = [];
  const backends = cluster.backendIps.map((ip, i) => ({ name: `backend-${i}`, ip }));
  for (const b of backends) {
    const args = [echoBackend, '--host', b.ip, '--port', String(BACKEND_PORT), '--name', b.name];
    children.push(cluster.runInNetns(process.execPath, args));
  }
  for (const b of backends) {
    await waitFor(
      async () => (await fetch(`http://${b.ip}:${BACKEND_PORT}/`, { signal: AbortSignal.timeout(1000) })).ok,
      { what: `echo backend ${b.name} on ${b.ip}` },
    );
  }

  const measurements = new Measurements();
  let namespaces = 0;
  const s: Suite = {
    cluster,
    admin,
    asGatehouse,
    backends,
    replicas: [],
    measurements,
    gatehouse: undefined as unknown as Gatehouse,
    async newNamespace(prefix) {
      const name = `${prefix}-${++namespaces}`;
      await admin.create(namespace(name));
      return name;
    },
    async startReplica(name, publishAddress) {
      const g = await startGatehouse(cluster, { name, publishAddress });
      s.replicas.push(g);
      measurements.startup.push({ what: name, ms: g.startupMs });
      return g;
    },
  };
  current = s;
  s.gatehouse = await s.startReplica('replica-a', '198.51.100.10');
  return s;
}

export async function tearDown(): Promise<void> {
  const s = current;
  current = undefined;
  if (!s) return;
  for (const g of s.replicas) await g.stop();
  await Promise.allSettled([s.admin.close(), s.asGatehouse.close()]);
  await s.cluster.stop();
}
