// Which process serves a client's connection: the server side of 127.0.0.1:clientPort →
// 127.0.0.1:serverPort, read from `ss -tnp` (same user, so the owner's PID is visible).
import { execFileSync } from 'node:child_process';

/** Client port → PID of the process holding the server end, for established connections to `serverPort`. */
export function connectionOwners(serverPort: number): Map<number, number> {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${serverPort} )`], {
    encoding: 'utf8',
  });
  const owners = new Map<number, number>();
  for (const line of out.split('\n')) {
    // Recv-Q Send-Q Local:Port Peer:Port Process (the state column is left out with `state …`).
    const fields = line.trim().split(/\s+/);
    const peer = fields[3];
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (peer === undefined || pid === undefined) continue;
    owners.set(Number(peer.slice(peer.lastIndexOf(':') + 1)), Number(pid));
  }
  return owners;
}
