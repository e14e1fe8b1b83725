// Part 2 of the benchmark: the control plane at scale. In-process timings use the public entry
// points (translate, validateRouteTable, compile); transfer and apply go through a real worker's
// IPC contract; "until served" and propagation go through a running Gatehouse, its manifests
// folder, its proxy port and its /readyz.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { translate } from '../controller/src/translate/index.ts';
import { compile } from '../dataplane/src/compile.ts';
import { SETTLE_QUIET_MS } from '../dataplane/src/heap-settle.ts';
import type { RouteTable } from '../dataplane/src/table/types.ts';
import { validateRouteTable } from '../dataplane/src/table/validate.ts';
import { UpstreamPools } from '../dataplane/src/upstream/pools.ts';
import type { GatehouseProcess } from './lib/gatehouse.ts';
import { ingressClass, routeObjects, snapshotOf, writeManifest } from './lib/manifests.ts';
import { get } from './lib/probe.ts';
import { freePort, median, percentile, sleep, waitFor } from './lib/util.ts';
import { forkWorker, ipcRoundTrip } from './lib/worker-child.ts';

const translateOptions = () => ({
  ingressClass: 'gatehouse',
  controllerName: 'gatehouse.dev/ingress-controller',
  now: new Date('2026-06-01T00:00:00Z'),
});

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

/** Five ready endpoints per Service, every address distinct (never contacted: no traffic here). */
const fiveEndpoints = (i: number) => [1, 2, 3, 4, 5].map((k) => `10.${(i >> 8) & 255}.${i & 255}.${k}`);

export interface TableScale {
  ingresses: number;
  endpoints: number;
  routes: number;
  translateMs: number;
  jsonBytes: number;
  ipcBytes: number;
  ipcMs: number;
  validateMs: number;
  compileMs: number;
  /** Send → ack from a booted worker: IPC + validate + compile (every pool new) + swap. */
  firstApplyMs: number;
  /** The same, for a second table compiled beside the first and swapped in. */
  swapApplyMs: number;
  workerReportedMs: number;
  /** RSS of the booted worker before any route (it holds an empty table). */
  workerIdleRssKiB: number;
  /** RSS right after the second table's ack: the first runtime and both messages are garbage still. */
  workerSwapRssKiB: number;
  /** RSS once the worker has settled its heap after the swap (dataplane/src/heap-settle.ts). */
  workerRssKiB: number;
  totalMs: number;
}

export async function tableScale(ingresses: number, runs: number): Promise<TableScale> {
  const snapshot = snapshotOf([ingressClass(), ...routeObjects('scale', ingresses, 8080, fiveEndpoints)]);
  const translations = Array.from({ length: runs }, () =>
    timed(() => translate(snapshot, translateOptions())),
  );
  const content = translations[0].value.table;
  const table: RouteTable = { version: 1, ...content };
  const routes = table.hosts.reduce((n, h) => n + h.routes.length, 0);
  const endpoints = Object.values(table.backends).reduce((n, b) => n + b.endpoints.length, 0);
  const validateMs = median(Array.from({ length: runs }, () => timed(() => validateRouteTable(table)).ms));
  const compileRuns = Array.from({ length: runs }, () => {
    const pools = new UpstreamPools();
    const t = timed(() => compile(table, pools));
    void pools.closeAll();
    return t.ms;
  });
  const ipc = await ipcRoundTrip(table, runs);

  const worker = await forkWorker(await freePort());
  try {
    await sleep(SETTLE_QUIET_MS + 1000);
    const workerIdleRssKiB = worker.rssKiB();
    const first = await worker.apply(table);
    if (!first.applied) throw new Error('the worker rejected the generated table');
    const second = await worker.apply({ ...table, version: 2 });
    const workerSwapRssKiB = worker.rssKiB();
    // The worker settles its heap once tables stop arriving for SETTLE_QUIET_MS.
    await sleep(SETTLE_QUIET_MS + 1000);
    const translateMs = median(translations.map((t) => t.ms));
    return {
      ingresses,
      endpoints,
      routes,
      translateMs,
      jsonBytes: Buffer.byteLength(JSON.stringify(table)),
      ipcBytes: serialize({ type: 'table', table }).length,
      ipcMs: median(ipc),
      validateMs,
      compileMs: median(compileRuns),
      firstApplyMs: first.ms,
      swapApplyMs: second.ms,
      workerReportedMs: second.compileMs,
      workerIdleRssKiB,
      workerSwapRssKiB,
      workerRssKiB: worker.rssKiB(),
      totalMs: translateMs + first.ms,
    };
  } finally {
    await worker.stop();
  }
}

export interface UpdateGrowth {
  updates: number;
  samples: Array<{ after: number; rssKiB: number }>;
  applyMsP50: number;
  applyMsP99: number;
}

/**
 * Worker RSS over consecutive table updates: a 1 000-Ingress table in which every update moves
 * one Service to another endpoint port, so upstream pools are created and retired as in real churn.
 */
export async function updateGrowth(updates: number): Promise<UpdateGrowth> {
  const base = translate(
    snapshotOf([ingressClass(), ...routeObjects('churn', 1000, 8080)]),
    translateOptions(),
  ).table;
  const worker = await forkWorker(await freePort());
  const samples: UpdateGrowth['samples'] = [];
  const applyMs: number[] = [];
  try {
    const keys = Object.keys(base.backends);
    for (let v = 1; v <= updates + 1; v++) {
      const key = keys[v % keys.length];
      const b = base.backends[key];
      const moved = { ...b, endpoints: b.endpoints.map((e) => ({ ...e, port: 20_000 + (v % 500) })) };
      const r = await worker.apply({ version: v, ...base, backends: { ...base.backends, [key]: moved } });
      if (!r.applied) throw new Error(`update ${v} was rejected`);
      if (v > 1) applyMs.push(r.ms);
      const after = v - 1;
      if (after === 0 || after % Math.max(1, Math.floor(updates / 10)) === 0) {
        samples.push({ after, rssKiB: worker.rssKiB() });
      }
    }
    // Let retired pools close and an idle GC run, then the last sample.
    await sleep(2000);
    samples.push({ after: updates, rssKiB: worker.rssKiB() });
  } finally {
    await worker.stop();
  }
  return { updates, samples, applyMsP50: percentile(applyMs, 50), applyMsP99: percentile(applyMs, 99) };
}

export interface BurstResult {
  created: number;
  /** Manifest written → the last new host answered through the proxy. */
  firstAllMs: number;
  /** → every new host checked 200 and /readyz reports every worker on the new table. */
  allServedMs: number;
}

/** Write `count` new Ingresses in one file at once; time until every one is served. */
export async function burst(
  g: GatehouseProcess,
  dir: string,
  count: number,
  upstreamPort: number,
): Promise<BurstResult> {
  const objects = routeObjects('burst', count, upstreamPort);
  const hosts = objects
    .filter((o) => o.kind === 'Ingress')
    .map((o) => (o as { spec: { rules: Array<{ host: string }> } }).spec.rules[0].host);
  const before = (await g.readyVersion()) ?? 0;
  const started = performance.now();
  writeManifest(dir, 'burst.yaml', objects);
  const last = hosts[hosts.length - 1];
  await waitFor(
    'the last burst host',
    async () => (await get(g.httpPort, last, '/small')).status === 200,
    30_000,
    5,
  );
  const firstAllMs = performance.now() - started;
  let pending = hosts;
  await waitFor(
    'every burst host',
    async () => {
      const results = await Promise.all(
        pending.map((h) => get(g.httpPort, h, '/small').then((r) => r.status)),
      );
      pending = pending.filter((_, i) => results[i] !== 200);
      return pending.length === 0;
    },
    30_000,
    5,
  );
  await waitFor(
    'every worker on the burst table',
    async () => ((await g.readyVersion()) ?? 0) > before,
    30_000,
    5,
  );
  const allServedMs = performance.now() - started;
  // Back to the table size the rest measures with.
  const after = (await g.readyVersion()) ?? 0;
  rmSync(join(dir, 'burst.yaml'));
  await waitFor('the burst removed', async () => ((await g.readyVersion()) ?? 0) > after, 30_000, 5);
  return { created: count, firstAllMs, allServedMs };
}

export interface PropagationResult {
  changes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Fresh-connection probes right after /readyz that still saw the old backend (should be 0). */
  staleProbes: number;
}

/**
 * Flip one Ingress between two Services (two upstream listeners) `changes` times. Latency is from
 * the manifest's rename to /readyz reporting a newer version on every worker — a worker acks only
 * after its swap, so that is the moment every worker serves the change. Four probes on fresh
 * connections (spread over the workers by SO_REUSEPORT) then check the answer really changed.
 */
export async function propagation(
  g: GatehouseProcess,
  dir: string,
  changes: number,
  ports: { main: number; alt: number },
): Promise<PropagationResult> {
  const host = 'probe.bench.example';
  const objects = (port: number) => {
    const [svc, slice, ing] = routeObjects('probe', 1, port);
    (ing as { spec: { rules: Array<{ host: string }> } }).spec.rules[0].host = host;
    return [svc, slice, ing];
  };
  writeManifest(dir, 'probe.yaml', objects(ports.main));
  await waitFor(
    'the probe route',
    async () => (await get(g.httpPort, host, '/port')).body === String(ports.main),
    30_000,
  );
  await waitFor('workers settled', async () => (await g.readyVersion()) !== undefined, 30_000);
  const latencies: number[] = [];
  let stale = 0;
  for (let i = 1; i <= changes; i++) {
    const port = i % 2 === 1 ? ports.alt : ports.main;
    const before = (await g.readyVersion()) ?? 0;
    const started = performance.now();
    writeManifest(dir, 'probe.yaml', objects(port));
    await waitFor(
      `change ${i} on every worker`,
      async () => ((await g.readyVersion()) ?? 0) > before,
      10_000,
      2,
    );
    latencies.push(performance.now() - started);
    for (let k = 0; k < 4; k++)
      if ((await get(g.httpPort, host, '/port', true)).body !== String(port)) stale++;
    await sleep(50);
  }
  return {
    changes,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    staleProbes: stale,
  };
}
