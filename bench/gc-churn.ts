// What a worker's heap settling (dataplane/src/heap-settle.ts) costs while it serves: one worker
// holding 10 000 Ingresses / 50 000 endpoints serves a steady light load (bench/lib/paced-client.ts)
// while endpoints change every ~600 ms, then the churn stops with the load still on, then the load
// stops. Reported: request latency (p50 … max), the latency of requests that overlapped no table
// apply (a worker is busy applying a 10 000-route table anyway; what is left is the rest, the
// settle among it), the worker's GC pauses from --trace-gc, and its RSS in each phase.
// Run: node bench/gc-churn.ts [--updates 40] [--interval 600] [--rate 200] [--quiet 10] [--idle 5]
//      [--ingresses 10000] [--node-flags "--max-semi-space-size=8"]
// It re-runs itself with --trace-gc (the supervisor forks the worker with the same execArgv) and
// reads the worker's GC lines from that child's output.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { translate } from '../controller/src/translate/index.ts';
import type { RouteTable } from '../dataplane/src/table/types.ts';
import { BENCH_HOST, ingressClass, routeObjects, snapshotOf } from './lib/manifests.ts';
import { track } from './lib/processes.ts';
import { freePort, median, percentile, sleep } from './lib/util.ts';
import { forkWorker } from './lib/worker-child.ts';

const { values: args } = parseArgs({
  options: {
    updates: { type: 'string', default: '40' },
    interval: { type: 'string', default: '600' },
    rate: { type: 'string', default: '200' },
    quiet: { type: 'string', default: '10' },
    idle: { type: 'string', default: '5' },
    /** Extra Node/V8 flags for the driver and so for the worker, e.g. "--max-semi-space-size=8". */
    'node-flags': { type: 'string', default: '' },
    ingresses: { type: 'string', default: '10000' },
    driver: { type: 'boolean', default: false },
  },
});
const plan = {
  updates: Number(args.updates),
  intervalMs: Number(args.interval),
  rate: Number(args.rate),
  quietS: Number(args.quiet),
  idleS: Number(args.idle),
  ingresses: Number(args.ingresses),
};
const say = (line: string) => process.stdout.write(`${line}\n`);
const nowMs = () => performance.timeOrigin + performance.now();

interface DriverResult {
  workerPid: number;
  applies: Array<[number, number]>;
  /** [phase, wall-clock ms, RSS KiB] */
  rss: Array<[string, number, number]>;
  samples: Array<[number, number, number]>;
  phases: Record<string, [number, number]>;
}

/** Five endpoints per Service at distinct addresses (never contacted), the benchmarked one real. */
function tableFor(ingresses: number, upstreamPort: number): RouteTable {
  const bench = ingresses >> 1;
  const addresses = (i: number) =>
    i === bench ? ['127.0.0.1'] : [1, 2, 3, 4, 5].map((k) => `10.${(i >> 8) & 255}.${i & 255}.${k}`);
  const objects = [ingressClass(), ...routeObjects('churn', ingresses, upstreamPort, addresses, BENCH_HOST)];
  const { table } = translate(snapshotOf(objects), {
    ingressClass: 'gatehouse',
    controllerName: 'gatehouse.dev/ingress-controller',
    now: new Date('2026-06-01T00:00:00Z'),
  });
  return { version: 1, ...table };
}

/** Update `v`: 50 Services each swap one endpoint for a new address, as in a rolling update. */
function churned(base: RouteTable, keys: string[], v: number): RouteTable {
  const backends = { ...base.backends };
  for (let j = 0; j < 50; j++) {
    const key = keys[(v * 50 + j) % keys.length];
    const b = backends[key];
    if (b.endpoints[0]?.address === '127.0.0.1') continue;
    const endpoints = b.endpoints.map((e, k) =>
      k === v % b.endpoints.length ? { ...e, address: `10.${200 + (v % 50)}.${j}.${k + 1}` } : e,
    );
    backends[key] = { ...b, endpoints };
  }
  return { ...base, version: v, backends };
}

async function driver(): Promise<void> {
  const client = fork(fileURLToPath(new URL('./lib/paced-client.ts', import.meta.url)), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track('paced client', client);
  const [{ port: upstreamPort }] = (await once(client, 'message')) as [{ port: number }];
  const base = tableFor(plan.ingresses, upstreamPort);
  const keys = Object.keys(base.backends);
  const httpPort = await freePort();
  const worker = await forkWorker(httpPort);
  const result: DriverResult = { workerPid: 0, applies: [], rss: [], samples: [], phases: {} };
  let phase = 'boot';
  const sampler = setInterval(() => result.rss.push([phase, nowMs(), worker.rssKiB()]), 200);
  const mark = (name: string) => {
    phase = name;
    result.phases[name] = [nowMs(), Number.NaN];
  };
  const end = (name: string) => {
    result.phases[name][1] = nowMs();
  };
  try {
    const first = await worker.apply(base);
    if (!first.applied) throw new Error('the worker rejected the table');
    // Settled before the load starts: whatever the policy, it has had its chance.
    await sleep(3000);
    result.workerPid = worker.pid();
    mark('load, no churn');
    client.send({ type: 'start', port: httpPort, host: BENCH_HOST, rate: plan.rate });
    await sleep(5000);
    end('load, no churn');
    mark('load + churn');
    let next = performance.now();
    for (let v = 2; v < 2 + plan.updates; v++) {
      const sent = nowMs();
      const r = await worker.apply(churned(base, keys, v));
      if (!r.applied) throw new Error(`update ${v} rejected`);
      result.applies.push([sent, nowMs()]);
      next += plan.intervalMs;
      await sleep(Math.max(0, next - performance.now()));
    }
    end('load + churn');
    mark('load, churn over');
    await sleep(plan.quietS * 1000);
    end('load, churn over');
    const samples = once(client, 'message');
    client.send({ type: 'stop' });
    result.samples = ((await samples) as [{ samples: DriverResult['samples'] }])[0].samples;
    mark('idle');
    await sleep(plan.idleS * 1000);
    end('idle');
  } finally {
    clearInterval(sampler);
    await worker.stop();
    client.kill('SIGTERM');
  }
  say(`RESULT ${JSON.stringify(result)}`);
}

interface GcEvent {
  at: number;
  kind: string;
  pauseMs: number;
  reason: string;
}

/** `[pid:0x…]  1234 ms: Mark-Compact (reduce) 102.6 (117.2) -> 4.2 (7.6) MB, pooled: 0.0 MB, 63.03 / 0.00 ms … reason` */
function parseGcLine(line: string): { pid: number; event: GcEvent } | undefined {
  const m =
    /^\[(\d+):0x[0-9a-f]+\]\s+(\d+) ms: ([A-Za-z -]+(?: \(reduce\))?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms.*?\) (.*)$/.exec(
      line,
    );
  if (!m) return undefined;
  return { pid: Number(m[1]), event: { at: Number(m[2]), kind: m[3], pauseMs: Number(m[4]), reason: m[5] } };
}

const fmt = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '–');
const mibOf = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

async function orchestrate(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const nodeFlags = String(args['node-flags']).split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    ['--trace-gc', ...nodeFlags, self, '--driver', ...process.argv.slice(2)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  track('gc-churn driver', child as ChildProcess);
  const gcLines: string[] = [];
  let result: DriverResult | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as DriverResult;
    else if (line.startsWith('[')) gcLines.push(line);
    else say(line);
  }
  if (!result) throw new Error('the driver gave no result');
  const r = result;

  say(
    `worker ${r.workerPid}: ${plan.ingresses} Ingresses, ${plan.updates} updates every ${plan.intervalMs} ms, ${plan.rate} req/s`,
  );
  const inApply = (start: number, latency: number) =>
    r.applies.some(([a, b]) => start <= b && start + latency >= a);
  const between = (name: string) => r.phases[name];
  const phaseSamples = (name: string) => {
    const [a, b] = between(name);
    return r.samples.filter(([s]) => s >= a && s < b);
  };
  say('\nrequest latency (ms)          count     p50     p99   p99.9     max   >20 ms  >50 ms  errors');
  for (const name of ['load, no churn', 'load + churn', 'load, churn over']) {
    for (const [label, set] of [
      [name, phaseSamples(name)],
      ...(name === 'load + churn'
        ? [['  overlapping no apply', phaseSamples(name).filter(([s, l]) => !inApply(s, l))] as const]
        : []),
    ] as const) {
      const lat = set.map(([, l]) => l);
      say(
        `${label.padEnd(28)} ${String(lat.length).padStart(6)} ${fmt(percentile(lat, 50)).padStart(7)} ${fmt(percentile(lat, 99)).padStart(7)} ${fmt(percentile(lat, 99.9)).padStart(7)} ${fmt(Math.max(...lat)).padStart(7)} ${String(lat.filter((l) => l > 20).length).padStart(8)} ${String(lat.filter((l) => l > 50).length).padStart(7)} ${String(set.filter(([, , s]) => s !== 200).length).padStart(7)}`,
      );
    }
  }
  const applyMs = r.applies.map(([a, b]) => b - a);
  say(`\ntable apply, send → ack: median ${fmt(median(applyMs))} ms, max ${fmt(Math.max(...applyMs))} ms`);

  const events = gcLines.flatMap((l) => {
    const p = parseGcLine(l);
    return p && p.pid === r.workerPid ? [p.event] : [];
  });
  say('\nworker GC (--trace-gc), whole run      count   total pause   max pause');
  const groups = new Map<string, number[]>();
  for (const e of events) {
    const key = `${e.kind}${/testing|last resort/.test(e.reason) ? ' [forced]' : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e.pauseMs]);
  }
  for (const [kind, pauses] of [...groups.entries()].sort()) {
    const total = pauses.reduce((a, b) => a + b, 0);
    say(
      `${kind.padEnd(38)} ${String(pauses.length).padStart(6)} ${fmt(total).padStart(10)} ms ${fmt(Math.max(...pauses)).padStart(8)} ms`,
    );
  }
  say('\nworker RSS                    min      median   max      last');
  for (const name of ['load, no churn', 'load + churn', 'load, churn over', 'idle']) {
    const rss = r.rss.filter(([p]) => p === name).map(([, , k]) => k);
    if (rss.length === 0) continue;
    say(
      `${name.padEnd(28)} ${mibOf(Math.min(...rss)).padStart(8)} ${mibOf(median(rss)).padStart(8)} ${mibOf(Math.max(...rss)).padStart(8)} ${mibOf(rss[rss.length - 1]).padStart(8)}`,
    );
  }
}

if (args.driver) await driver();
else await orchestrate();
