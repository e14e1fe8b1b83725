// Backends for e2e tests run inside the cluster's network namespace: the apiserver refuses loopback
// addresses in EndpointSlices, so they listen on the namespace's 198.18.N.x addresses instead.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { recordPid } from './procs.ts';

export interface NetnsTarget {
  /** Name of the network namespace (`ip netns list`). */
  netns: string;
  /** The state dir's pids file: the process is recorded there so teardown stops it. */
  pidsFile: string;
}

/**
 * Spawns `command args` inside the namespace. `ip netns exec` execs the command in place, so the
 * child's PID is the backend's own and teardown can stop it by PID.
 */
export function runInNetns(
  target: NetnsTarget,
  command: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', target.netns, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  if (child.pid !== undefined) recordPid(target.pidsFile, child.pid, `backend:${command}`);
  return child;
}
