// What a typical RoutePolicy costs per request: one Gatehouse (its CLI, two workers) serving two
// Ingresses to one local backend, `plain.bench` with no filters and `policy.bench` with a
// RoutePolicy of a client allow list, CORS and a rate limit (never reached here); batches alternate
// between the two hosts so the load of a shared machine hits both alike (as bench/ab-workers.ts).
// The figure is CPU (user + system of the primary and its workers, from /proc) per request: the
// rate limit's leases cost the primary as well as the worker. Every answer must be 200, or the
// run fails: a refused request costs less and would flatter the policy.
// Run: node bench/policy-cost.ts [ROUNDS=12] [BATCH=3000]
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { startGatehouse } from './lib/gatehouse.ts';
import { endpointSlice, ingress, ingressClass, NAMESPACE, service, writeManifest } from './lib/manifests.ts';
import { stopAll, stopAllOnSignal } from './lib/processes.ts';
import { median, sumCpuMs } from './lib/util.ts';

const ROUNDS = Number(process.argv[2] ?? 12);
const BATCH = Number(process.argv[3] ?? 3_000);
const CONCURRENCY = 16;
const ORIGIN = 'https://app.example';
const HOSTS = ['plain.bench', 'policy.bench'] as const;

stopAllOnSignal();
const backend = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
backend.listen(0, '127.0.0.1');
await once(backend, 'listening');
const backendPort = (backend.address() as { port: number }).port;

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-cost-'));
writeManifest(dir, 'objects.yaml', [
  ingressClass(),
  service('up'),
  endpointSlice('up', ['127.0.0.1'], backendPort),
  ingress('plain', HOSTS[0], 'up'),
  ingress('policy', HOSTS[1], 'up'),
  {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: { name: 'typical', namespace: NAMESPACE },
    spec: {
      targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'policy' }],
      // The client (127.0.0.1) is matched by the last entry: every rule is looked at.
      clientAccess: { allow: ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12', 'fd00::/8', '127.0.0.0/8'] },
      cors: { allowOrigins: [ORIGIN, 'https://admin.example'], allowMethods: ['GET', 'POST'] },
      // Far above this run's rate: every request takes a token (from the worker's lease) and is served.
      rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000 },
    },
  },
]);

const g = await startGatehouse({ manifests: dir, workers: 2, logFile: join(dir, 'gatehouse.log') });
const pool = new Pool(`http://127.0.0.1:${g.httpPort}`, { connections: CONCURRENCY });
const used = { 'plain.bench': 0, 'policy.bench': 0 };
const perRound: Record<string, number[]> = { 'plain.bench': [], 'policy.bench': [] };
let requests = 0;

async function batch(host: (typeof HOSTS)[number], n: number, counted: boolean): Promise<void> {
  let sent = 0;
  const loop = async (): Promise<void> => {
    while (sent++ < n) {
      // The same Origin on both sides: only the policy's route answers it with CORS headers.
      const r = await pool.request({ path: '/', method: 'GET', headers: { host, origin: ORIGIN } });
      await r.body.text();
      if (r.statusCode !== 200) throw new Error(`${host}: ${r.statusCode}, not 200`);
    }
  };
  const pids = g.pids();
  const before = sumCpuMs(pids);
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  if (!counted) return;
  const ms = sumCpuMs(pids) - before;
  used[host] += ms;
  perRound[host]!.push((ms / n) * 1000);
}

try {
  for (const host of HOSTS) await batch(host, BATCH, false); // warm-up: JIT, connections, leases
  for (let round = 0; round < ROUNDS; round++) {
    for (const host of round % 2 === 0 ? HOSTS : [...HOSTS].reverse()) await batch(host, BATCH, true);
    requests += BATCH;
  }
  const us = (host: (typeof HOSTS)[number]) => (used[host] / requests) * 1000;
  for (const host of HOSTS)
    process.stdout.write(
      `${host}: ${us(host).toFixed(1)} µs CPU per request over ${requests} (median round ${median(perRound[host]!).toFixed(1)} µs)\n`,
    );
  const diffs = perRound['policy.bench']!.map((p, i) => p - perRound['plain.bench']![i]!);
  process.stdout.write(
    `policy cost: ${(us('policy.bench') - us('plain.bench')).toFixed(1)} µs per request ` +
      `(median of per-round differences ${median(diffs).toFixed(1)} µs; allow list + CORS + rate limit)\n`,
  );
} finally {
  await pool.close();
  await stopAll();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
}
