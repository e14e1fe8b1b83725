// The pod's memory peak, for the chart's requests and limits (issue 28, item 7): Gatehouse on
// 1 000 Ingresses (primary + workers, as in a pod), under wrk load, with the whole table replaced
// twice while the load runs (a worker briefly holds two tables). Samples the process tree's summed
// RSS every 100 ms and reads each process's VmHWM (its own peak) at the end.
// Run: node bench/pod-memory.ts [--ingresses N] [--workers N] [--seconds S] [--connections C]
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGatehouse } from './lib/gatehouse.ts';
import { wrk } from './lib/load.ts';
import { BENCH_HOST, ingressClass, routeObjects, writeManifest } from './lib/manifests.ts';
import { stopAll, stopAllOnSignal } from './lib/processes.ts';
import { mib, sleep, sumRssKiB, waitFor } from './lib/util.ts';

const { values: args } = parseArgs({
  options: {
    ingresses: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '256' },
  },
});
const ingresses = Number(args.ingresses);
const workers = Number(args.workers);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const say = (line: string) => process.stdout.write(`${line}\n`);

function hwmKiB(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  stopAllOnSignal();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pod-memory-'));
  const body = Buffer.alloc(4096, 'x');
  // Two upstreams: each table generation moves every Service to the other port, so every
  // upstream pool is rebuilt on each swap.
  const upstreams = [createServer((_req, res) => res.end(body)), createServer((_req, res) => res.end(body))];
  const ports: number[] = [];
  for (const upstream of upstreams) {
    upstream.keepAliveTimeout = 60_000;
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    ports.push((upstream.address() as { port: number }).port);
  }
  const table = (generation: number) => [
    ingressClass(),
    ...routeObjects('pod', ingresses, ports[generation % 2], () => ['127.0.0.1'], BENCH_HOST),
  ];
  writeManifest(dir, 'routes.yaml', table(0));
  const g = await startGatehouse({ manifests: dir, workers, logFile: `${dir}.log` });
  try {
    await waitFor('gatehouse ready', async () => (await g.readyVersion()) !== undefined, 120_000);
    let peakSum = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakSum = Math.max(peakSum, sumRssKiB(g.pids()));
        await sleep(100);
      }
    })();
    const load = wrk(
      { url: `http://127.0.0.1:${g.httpPort}/`, host: BENCH_HOST, connections, durationS: seconds },
      dir,
    );
    for (const generation of [1, 2]) {
      await sleep((seconds * 1000) / 3);
      const before = (await g.readyVersion()) ?? 0;
      writeManifest(dir, 'routes.yaml', table(generation));
      await waitFor('the new table served', async () => ((await g.readyVersion()) ?? 0) > before, 60_000);
    }
    const result = await load;
    sampling = false;
    await sampler;
    const pids = g.pids();
    const hwm = pids.map(hwmKiB);
    say(
      `${ingresses} Ingresses, ${workers} workers, wrk ${connections} connections for ${seconds} s, 2 table swaps`,
    );
    say(`requests ${result.requests}, errors ${result.errors}`);
    say(`peak summed RSS (sampled every 100 ms): ${mib(peakSum)}`);
    say(`sum of each process's VmHWM:            ${mib(hwm.reduce((a, b) => a + b, 0))}`);
    say(`VmHWM per process (primary first):      ${hwm.map(mib).join(', ')}`);
  } finally {
    await stopAll();
    for (const upstream of upstreams) upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
