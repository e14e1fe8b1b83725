// A throwaway kube-apiserver + etcd for e2e tests. e2e/cluster/up.sh and down.sh do the work (one
// implementation for `make cluster-up` and for tests); this module runs them, describes the result,
// and makes sure teardown happens even when a test fails or the process is interrupted.
import { type ChildProcess, execFile, type SpawnOptions, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { runInNetns } from './netns.ts';
import { type RecordedProcess, readPids, startTimeOf } from './procs.ts';

const execFileAsync = promisify(execFile);
const repoDir = fileURLToPath(new URL('../..', import.meta.url));
const clusterDir = join(repoDir, 'e2e', 'cluster');

export interface Cluster {
  /** https://127.0.0.1:PORT */
  server: string;
  kubeVersion: string;
  etcdVersion: string;
  etcdEndpoint: string;
  /** Network namespace where backends run, and its addresses. */
  netns: string;
  /** Root-side end of the veth pair. */
  hostInterface: string;
  /** Root-side veth address (also the apiserver's advertise address). */
  hostIp: string;
  /** Addresses inside the namespace that backends may bind and EndpointSlices may name. */
  backendIps: string[];
  serviceCidr: string;
  stateDir: string;
  /** Client certificate of a system:masters user. */
  adminKubeconfig: string;
  /** Token of ServiceAccount gatehouse/gatehouse, which has no RBAC until a test grants it. */
  gatehouseKubeconfig: string;
  /** The apiserver's audit log (JSON lines): every request of gatehouse/gatehouse, Metadata level. */
  auditLog: string;
  kubeConfig(who: 'admin' | 'gatehouse'): KubeConfig;
  /** Processes this run started (etcd, kube-apiserver, backends), as recorded in the state dir. */
  processes(): RecordedProcess[];
  /** Spawns a backend inside the namespace; teardown stops it. */
  runInNetns(command: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Stops everything and removes the namespace and the state dir. Idempotent. */
  stop(): Promise<void>;
}

/** Parses up.sh's cluster.env (KEY=value lines). */
export function parseClusterEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

// Clusters not yet stopped: torn down synchronously if the process exits or is signalled first.
const live = new Set<string>();
let hooksInstalled = false;

function downSync(stateDir: string): void {
  spawnSync(join(clusterDir, 'down.sh'), [stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  live.delete(stateDir);
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const dir of [...live]) downSync(dir);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const dir of [...live]) downSync(dir);
      process.kill(process.pid, signal);
    });
  }
}

export interface StartOptions {
  /** Where the state goes; default a fresh directory under <repo>/.tmp. */
  stateDir?: string;
  /** Deadline for etcd and the apiserver to become ready, in seconds (up.sh's own default is 60). */
  timeoutSeconds?: number;
}

export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  let stateDir = options.stateDir;
  if (stateDir === undefined) {
    // Leftovers of runs that were killed before their cleanup could run go first.
    const reaped = await execFileAsync(join(clusterDir, 'reap.sh'));
    process.stderr.write(reaped.stderr);
    mkdirSync(join(repoDir, '.tmp'), { recursive: true });
    stateDir = mkdtempSync(join(repoDir, '.tmp', 'e2e-cluster-'));
  }
  // reap.sh tears this run down if this process dies without doing it itself.
  writeFileSync(join(stateDir, 'owner'), `${process.pid} ${startTimeOf(process.pid)}\n`);
  installExitHooks();
  live.add(stateDir);
  const env = { ...process.env };
  if (options.timeoutSeconds !== undefined) env.GATEHOUSE_CLUSTER_TIMEOUT = String(options.timeoutSeconds);
  try {
    await execFileAsync(join(clusterDir, 'up.sh'), [stateDir], { env, maxBuffer: 16 << 20 });
  } catch (error) {
    // up.sh tears itself down on failure; this also covers it being killed before it could.
    downSync(stateDir);
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`e2e/cluster/up.sh failed:\n${stderr.trim().split('\n').slice(-20).join('\n')}`, {
      cause: error,
    });
  }
  return clusterFrom(stateDir);
}

function clusterFrom(stateDir: string): Cluster {
  const env = parseClusterEnv(readFileSync(join(stateDir, 'cluster.env'), 'utf8'));
  const pidsFile = join(stateDir, 'pids');
  let stopping: Promise<void> | undefined;
  return {
    server: env.SERVER,
    kubeVersion: env.KUBE_VERSION,
    etcdVersion: env.ETCD_VERSION,
    etcdEndpoint: env.ETCD_ENDPOINT,
    netns: env.NETNS,
    hostInterface: env.VETH,
    hostIp: env.HOST_IP,
    backendIps: env.BACKEND_IPS.split(' '),
    serviceCidr: env.SERVICE_CIDR,
    stateDir,
    adminKubeconfig: env.ADMIN_KUBECONFIG,
    gatehouseKubeconfig: env.GATEHOUSE_KUBECONFIG,
    auditLog: env.AUDIT_LOG,
    kubeConfig(who) {
      const kc = new KubeConfig();
      kc.loadFromFile(who === 'admin' ? env.ADMIN_KUBECONFIG : env.GATEHOUSE_KUBECONFIG);
      return kc;
    },
    processes: () => readPids(pidsFile),
    runInNetns: (command, args = [], options = {}) =>
      runInNetns({ netns: env.NETNS, pidsFile }, command, args, options),
    stop() {
      stopping ??= execFileAsync(join(clusterDir, 'down.sh'), [stateDir]).then(
        () => {
          live.delete(stateDir);
        },
        (error: { stderr?: string }) => {
          throw new Error(`e2e/cluster/down.sh failed:\n${error.stderr ?? ''}`, { cause: error });
        },
      );
      return stopping;
    },
  };
}

/** Whether a network namespace of that name exists now. */
export function netnsExists(name: string): boolean {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').some((line) => line.split(' ')[0] === name);
}
