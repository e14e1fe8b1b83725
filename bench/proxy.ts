// Part 1 of the benchmark: Gatehouse against a reference nginx reverse proxy, same upstream,
// same worker count, same run. Each scenario alternates the sides (nginx, Gatehouse, nginx,
// Gatehouse, …) so a noisy neighbour on this shared machine hurts both alike; a side's result is
// the median over its rounds, its RSS the peak sampled during its runs.
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { median, sleep, sumCpuMs, sumRssKiB } from './lib/util.ts';

export interface Side {
  name: string;
  httpPort: number;
  /** Undefined when this side has no TLS listener (a hook until Gatehouse's lands). */
  httpsPort: number | undefined;
  /** Every process of this side, for its RSS and CPU time. */
  pids(): number[];
}

export interface Scenario {
  name: string;
  path: '/small' | '/4k';
  connections: number;
  protocol: 'h1' | 'h1-tls' | 'h2-tls';
  host: string;
}

export interface SideResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  peakRssKiB: number;
  /** CPU (user + system, all the side's processes) per request served, µs: median over rounds. */
  cpuUsPerRequest: number;
  errors: number;
  rounds: LoadResult[];
}

export interface ScenarioResult {
  scenario: Scenario;
  nginx: SideResult;
  gatehouse: SideResult;
  /** Further sides measured in the same rounds (the minimal pass-through), by name. */
  others: Record<string, SideResult>;
}

export interface Driver {
  wrk(spec: LoadSpec): Promise<LoadResult>;
  h2load(spec: LoadSpec): Promise<LoadResult>;
}

function specFor(side: Side, s: Scenario, durationS: number): LoadSpec {
  const tls = s.protocol !== 'h1';
  const port = tls ? side.httpsPort : side.httpPort;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}${s.path}`,
    host: s.host,
    connections: s.connections,
    durationS,
  };
}

async function measure(driver: Driver, side: Side, s: Scenario, durationS: number) {
  // The processes are listed once, before the load: a side's process set does not change during it.
  const pids = side.pids();
  const cpuBefore = sumCpuMs(pids);
  let peak = sumRssKiB(pids);
  const sampler = setInterval(() => {
    peak = Math.max(peak, sumRssKiB(pids));
  }, 250);
  try {
    const spec = specFor(side, s, durationS);
    const result = s.protocol === 'h2-tls' ? await driver.h2load(spec) : await driver.wrk(spec);
    const cpuUs = (sumCpuMs(pids) - cpuBefore) * 1000;
    return { result, peak: Math.max(peak, sumRssKiB(pids)), cpuUs };
  } finally {
    clearInterval(sampler);
  }
}

type Measured = Awaited<ReturnType<typeof measure>>;

function perRequest(m: Measured): number {
  return m.result.requests > 0 ? m.cpuUs / m.result.requests : Number.NaN;
}

export async function runScenario(
  driver: Driver,
  nginx: Side,
  gatehouse: Side,
  others: Side[],
  s: Scenario,
  o: { rounds: number; durationS: number; warmupS: number },
  progress: (line: string) => void,
): Promise<ScenarioResult> {
  // Warm-up: JIT, connection pools and nginx's upstream keep-alive cache, on every side.
  const sides = [nginx, gatehouse, ...others];
  for (const side of sides) await measure(driver, side, s, o.warmupS);
  const rounds: Record<string, Measured[]> = {};
  for (const side of sides) rounds[side.name] = [];
  for (let r = 1; r <= o.rounds; r++) {
    for (const side of sides) {
      await sleep(500); // let TIME_WAIT sockets and the previous side's tail settle
      const m = await measure(driver, side, s, o.durationS);
      rounds[side.name].push(m);
      progress(
        `  ${s.name} round ${r} ${side.name.padEnd(12)} ${m.result.rps.toFixed(0).padStart(7)} req/s` +
          `  p50 ${m.result.p50Ms.toFixed(2)} ms  p99 ${m.result.p99Ms.toFixed(2)} ms` +
          `  CPU ${perRequest(m).toFixed(1)} µs/req` +
          (m.result.errors > 0 ? `  errors ${m.result.errors}` : ''),
      );
    }
  }
  const summarise = (list: Measured[]): SideResult => ({
    rps: median(list.map((m) => m.result.rps)),
    p50Ms: median(list.map((m) => m.result.p50Ms)),
    p99Ms: median(list.map((m) => m.result.p99Ms)),
    peakRssKiB: Math.max(...list.map((m) => m.peak)),
    cpuUsPerRequest: median(list.map(perRequest)),
    errors: list.reduce((n, m) => n + m.result.errors, 0),
    rounds: list.map((m) => m.result),
  });
  const rest = Object.fromEntries(others.map((side) => [side.name, summarise(rounds[side.name])]));
  return {
    scenario: s,
    nginx: summarise(rounds.nginx),
    gatehouse: summarise(rounds.gatehouse),
    others: rest,
  };
}
