// An endpoint whose TCP connect never completes, without root: a listening socket that never
// accepts, its accept queue already full. Linux then drops further SYNs (unless
// net.ipv4.tcp_abort_on_overflow is 1), so a client's connect waits until its own timeout.
// Node's net.Server always accepts, so a small python3 process owns the listener.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { waitFor } from './harness.ts';

// backlog 0: the queue holds one connection. Exits when its stdin closes, so a test runner that
// dies without cleaning up does not leave it behind.
const LISTENER = [
  'import socket, sys',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'sys.stdin.read()',
].join('\n');

export interface UnacceptedListener {
  port: number;
  close(): Promise<void>;
}

/** Why this machine cannot make such an endpoint, or undefined when it can. */
export function unacceptedListenerUnsupported(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux accept-queue semantics';
  if (spawnSync('python3', ['--version']).status !== 0) return 'needs python3';
  const abort = readFileSync('/proc/sys/net/ipv4/tcp_abort_on_overflow', 'utf8').trim();
  if (abort !== '0') return 'net.ipv4.tcp_abort_on_overflow is set: a full queue resets instead';
  return undefined;
}

/** Connections waiting in the accept queue of the IPv4 listener on 127.0.0.1:`port` (/proc/net/tcp). */
function acceptQueueLength(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    // local, remote, state (0A = LISTEN), tx_queue:rx_queue; a listener's rx_queue is its accept queue.
    if (f[1] === local && f[3] === '0A') return Number.parseInt(f[4].split(':')[1], 16);
  }
  return -1;
}

export async function startUnacceptedListener(): Promise<UnacceptedListener> {
  const proc: ChildProcess = spawn('python3', ['-c', LISTENER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let filler: Socket | undefined;
  const close = async (): Promise<void> => {
    filler?.destroy();
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
  };
  try {
    const port = await waitFor('the python listener to print its port', () => {
      if (proc.exitCode !== null) throw new Error(`python3 exited ${proc.exitCode}: ${output}`);
      return output.includes('\n') ? Number(output.trim()) : undefined;
    });
    // One accepted-by-the-kernel connection fills a backlog-0 queue.
    filler = connect(port, '127.0.0.1');
    await once(filler, 'connect');
    await waitFor(`the accept queue of :${port} to be full`, () => acceptQueueLength(port) >= 1);
    return { port, close };
  } catch (error) {
    await close();
    throw error;
  }
}
