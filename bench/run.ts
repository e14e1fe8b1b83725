// Gatehouse's benchmark against nginx (README "Performance"). Run: node bench/run.ts [--quick]
// [--parts proxy,scale,profile,headline] [--rounds N] [--duration S]. Everything listens on 127.0.0.1 on
// free ports; every process started is stopped by PID at the end, on failure and on Ctrl-C too.
// The last line printed is the headline ratio (small body, 64 connections).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarise } from './lib/cpuprofile.ts';
import { type GatehouseProcess, root, speaksTls, startGatehouse, usageText } from './lib/gatehouse.ts';
import { h2load, wrk } from './lib/load.ts';
import {
  BENCH_HOST,
  endpointSlice,
  fillerHost,
  ingress,
  ingressClass,
  routeObjects,
  selfSignedCertificate,
  service,
  TLS_HOST,
  tlsSecret,
  writeManifest,
} from './lib/manifests.ts';
import { LARGE_BODY, proxyConfig, SMALL_BODY, startNginx, upstreamConfig } from './lib/nginx.ts';
import { closeProbes, get } from './lib/probe.ts';
import { childPids, start, stop, stopAll, stopAllOnSignal } from './lib/processes.ts';
import { freePort, waitFor } from './lib/util.ts';
import { type Driver, runScenario, type Scenario, type ScenarioResult, type Side } from './proxy.ts';
import { proxyTable, ratioLine, scaleTable } from './report.ts';
import { burst, propagation, tableScale, updateGrowth } from './scale.ts';

const WORKERS = 2;
const INGRESSES = 1000;
/** The scenario the targets are set on; its name says whether metrics are on. */
const HEADLINE: Scenario = {
  name: 'HTTP/1.1, small body, 64 connections',
  path: '/small',
  connections: 64,
  protocol: 'h1',
  host: BENCH_HOST,
};

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    parts: { type: 'string', default: 'proxy,scale' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
  },
});
const quick = args.quick === true;
const parts = new Set(String(args.parts).split(','));
const plan = {
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  durationS: Number(args.duration ?? (quick ? 3 : 10)),
  warmupS: quick ? 1 : 3,
  scaleIngresses: 10_000,
  scaleRuns: quick ? 1 : 3,
  updates: quick ? 100 : 1000,
  changes: quick ? 10 : 100,
  burst: 1000,
};

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = join(root, 'bench/results', stamp);
mkdirSync(out, { recursive: true });
const say = (line: string) => process.stdout.write(`${line}\n`);
const driver: Driver = {
  wrk: (spec) => wrk(spec, out),
  h2load: (spec) => h2load(spec, out),
};

/** `--no-metrics`-like switch of this build, if any (BENCH_METRICS_OFF_ARGS overrides). */
function metricsOffArgs(usage: string): string[] | undefined {
  if (process.env.BENCH_METRICS_OFF_ARGS) return process.env.BENCH_METRICS_OFF_ARGS.split(' ');
  const m = /(--no-metrics|--disable-metrics)\b/.exec(usage);
  return m ? [m[1]] : undefined;
}

/** Extra flags for every Gatehouse started (BENCH_GATEHOUSE_ARGS), e.g. to turn an access log off. */
const extraArgs = process.env.BENCH_GATEHOUSE_ARGS ? process.env.BENCH_GATEHOUSE_ARGS.split(' ') : [];

async function startUpstream() {
  const ports = { main: await freePort(), alt: await freePort() };
  const upstream = startNginx(
    'upstream',
    join(out, 'upstream'),
    upstreamConfig(join(out, 'upstream'), ports),
  );
  await waitFor('the upstream nginx', async () => {
    if (upstream.proc.exitCode !== null) throw new Error(`nginx exited; see ${join(out, 'upstream')}`);
    return (await get(ports.main, 'x', '/small')).body === SMALL_BODY;
  });
  return { upstream, ports };
}

function gatehouseSide(g: GatehouseProcess, tls: boolean): Side {
  return {
    name: 'gatehouse',
    httpPort: g.httpPort,
    httpsPort: tls ? g.httpsPort : undefined,
    pids: g.pids,
  };
}

async function checkServes(name: string, port: number): Promise<void> {
  const small = await get(port, BENCH_HOST, '/small');
  const large = await get(port, BENCH_HOST, '/4k');
  if (small.body !== SMALL_BODY || large.body !== LARGE_BODY)
    throw new Error(`${name} does not serve the benchmark route (status ${small.status}, ${large.status})`);
}

async function startPassthrough(upstreamPort: number): Promise<Side> {
  const port = await freePort();
  const script = join(root, 'bench/lib/passthrough.ts');
  const procs = Array.from({ length: WORKERS }, (_, i) =>
    start(
      `pass-through ${i}`,
      process.execPath,
      [script, String(port), String(upstreamPort)],
      join(out, 'passthrough.log'),
    ),
  );
  await waitFor('the pass-through', async () => (await get(port, BENCH_HOST, '/small')).body === SMALL_BODY);
  return {
    name: 'pass-through',
    httpPort: port,
    httpsPort: undefined,
    pids: () => procs.map((p) => p.pid),
  };
}

/** The reference nginx proxy and the manifests of 1 000 Ingresses both sides serve. */
async function proxySetup(upstreamPort: number) {
  const cert = selfSignedCertificate(out, [TLS_HOST, BENCH_HOST]);
  const manifests = join(out, 'manifests');
  mkdirSync(manifests, { recursive: true });
  // 1 000 Ingresses: 999 generated (the benchmarked host among them) and one TLS host.
  const objects = [
    ingressClass(),
    ...routeObjects('app', INGRESSES - 1, upstreamPort, undefined, BENCH_HOST),
    tlsSecret('bench-tls', readFileSync(cert.cert, 'utf8'), readFileSync(cert.key, 'utf8')),
    service('tls-svc'),
    endpointSlice('tls-svc', ['127.0.0.1'], upstreamPort),
    ingress('tls', TLS_HOST, 'tls-svc', 'bench-tls'),
  ];
  writeManifest(manifests, 'routes.yaml', objects);
  const hosts = [
    BENCH_HOST,
    TLS_HOST,
    ...Array.from({ length: INGRESSES - 2 }, (_, i) => fillerHost('app', i)),
  ];

  const nginxPorts = { http: await freePort(), https: await freePort() };
  const nginxDir = join(out, 'proxy-nginx');
  const proxy = startNginx(
    'reference nginx',
    nginxDir,
    proxyConfig(nginxDir, {
      workers: WORKERS,
      httpPort: nginxPorts.http,
      tls: { port: nginxPorts.https, ...cert },
      upstreamPort,
      hosts,
    }),
  );
  const nginx: Side = {
    name: 'nginx',
    httpPort: nginxPorts.http,
    httpsPort: nginxPorts.https,
    pids: () => [proxy.pid, ...childPids(proxy.pid)],
  };
  await waitFor('the reference nginx', () => {
    if (proxy.proc.exitCode !== null) throw new Error(`nginx exited; see ${nginxDir}`);
    return checkServes('nginx', nginxPorts.http).then(() => true);
  });

  return { proxy, nginx, manifests, objects };
}

async function proxyPart(upstreamPort: number): Promise<{ results: ScenarioResult[]; skipped: string[] }> {
  const { proxy, nginx, manifests, objects } = await proxySetup(upstreamPort);
  const usage = await usageText();
  const offArgs = metricsOffArgs(usage);
  let g = await startGatehouse({
    manifests,
    workers: WORKERS,
    logFile: join(out, 'gatehouse.log'),
    args: extraArgs,
  });
  await checkServes('gatehouse', g.httpPort);
  const hasMetrics = (await fetch(`http://127.0.0.1:${g.adminPort}/metrics`).then((r) => r.status)) === 200;
  const hasTls = await speaksTls(g.httpsPort);
  // Workers record metrics unless told not to (WorkerConfig.metrics); /metrics serves them once wired.
  const metricsLabel = hasMetrics ? 'metrics on' : 'metrics on (/metrics not served yet)';
  say(
    `gatehouse: ${metricsLabel}; TLS listener ${hasTls ? 'present' : 'absent'}; metrics switch ${offArgs ? offArgs.join(' ') : 'absent'}`,
  );

  const scenarios: Scenario[] = [
    {
      name: `HTTP/1.1, 4 KiB body, 64 connections, ${metricsLabel}`,
      path: '/4k',
      connections: 64,
      protocol: 'h1',
      host: BENCH_HOST,
    },
    {
      name: `HTTP/1.1, small body, 1 000 connections, ${metricsLabel}`,
      path: '/small',
      connections: 1000,
      protocol: 'h1',
      host: BENCH_HOST,
    },
  ];
  const skipped: string[] = [];
  if (hasTls) {
    scenarios.push(
      {
        name: 'TLS HTTP/1.1, small body, 64 connections',
        path: '/small',
        connections: 64,
        protocol: 'h1-tls',
        host: TLS_HOST,
      },
      {
        name: 'TLS HTTP/2, small body, 64 connections',
        path: '/small',
        connections: 64,
        protocol: 'h2-tls',
        host: TLS_HOST,
      },
    );
  } else {
    skipped.push('TLS HTTP/1.1 and HTTP/2 (hook: Gatehouse has no https listener yet)');
  }
  const headline: Scenario = { ...HEADLINE, name: `HTTP/1.1, small body, 64 connections, ${metricsLabel}` };

  const results: ScenarioResult[] = [];
  const runOne = async (s: Scenario) => {
    say(`scenario: ${s.name}`);
    results.push(await runScenario(driver, nginx, gatehouseSide(g, hasTls), [], s, plan, say));
  };
  for (const s of scenarios) await runOne(s);
  // Metrics off: through the CLI switch when this build has one, else through the launcher
  // (the same Supervisor and workers, with the worker setting the CLI does not expose yet).
  await stop(g.started);
  const objectsFile = join(out, 'objects.json');
  writeFileSync(objectsFile, JSON.stringify(objects));
  g = await startGatehouse({
    manifests,
    workers: WORKERS,
    logFile: join(out, 'gatehouse-metrics-off.log'),
    args: [...extraArgs, ...(offArgs ?? [])],
    launcherObjects: offArgs ? undefined : objectsFile,
  });
  await checkServes('gatehouse, metrics off', g.httpPort);
  const how = offArgs ? offArgs.join(' ') : 'bench launcher, no CLI switch yet';
  await runOne({ ...headline, name: `HTTP/1.1, small body, 64 connections, metrics off (${how})` });
  await stop(g.started);
  // The headline scenario runs last, so its numbers are the ones printed on the last line.
  results.push(await runHeadline(upstreamPort, nginx, manifests, headline.name));
  await stop(proxy);
  return { results, skipped };
}

/**
 * The headline scenario on a Gatehouse of its own, the minimal pass-through joining its rounds
 * to show where Node's own floor is on this machine.
 */
async function runHeadline(upstreamPort: number, nginx: Side, manifests: string, name: string) {
  const g = await startGatehouse({
    manifests,
    workers: WORKERS,
    logFile: join(out, 'gatehouse.log'),
    args: extraArgs,
  });
  try {
    await checkServes('gatehouse', g.httpPort);
    const passthrough = await startPassthrough(upstreamPort);
    say(`scenario: ${name}`);
    return await runScenario(
      driver,
      nginx,
      gatehouseSide(g, false),
      [passthrough],
      { ...HEADLINE, name },
      plan,
      say,
    );
  } finally {
    await stop(g.started);
  }
}

/**
 * Only the headline scenario (small body, 64 connections, metrics on) against nginx and the
 * pass-through: the quick loop for trying an optimisation (`make bench-headline`).
 */
async function headlinePart(upstreamPort: number): Promise<ScenarioResult> {
  const { proxy, nginx, manifests } = await proxySetup(upstreamPort);
  const result = await runHeadline(upstreamPort, nginx, manifests, `${HEADLINE.name}, metrics on`);
  await stop(proxy);
  return result;
}

async function scalePart(ports: { main: number; alt: number }) {
  say(`scale: ${plan.scaleIngresses} Ingresses in-process and through a forked worker`);
  const table = await tableScale(plan.scaleIngresses, plan.scaleRuns);
  say(`scale: ${plan.updates} consecutive table updates to one worker`);
  const growth = await updateGrowth(plan.updates);
  const manifests = join(out, 'scale-manifests');
  mkdirSync(manifests, { recursive: true });
  writeManifest(manifests, 'routes.yaml', [ingressClass(), ...routeObjects('app', INGRESSES, ports.main)]);
  const g = await startGatehouse({
    manifests,
    workers: WORKERS,
    logFile: join(out, 'gatehouse-scale.log'),
    args: extraArgs,
  });
  try {
    say(`scale: ${plan.burst} Ingresses created at once`);
    const b = await burst(g, manifests, plan.burst, ports.main);
    say(`scale: propagation over ${plan.changes} changes`);
    const p = await propagation(g, manifests, plan.changes, ports);
    return { table, growth, burst: b, propagation: p };
  } finally {
    await stop(g.started);
  }
}

/** Profile the workers under the headline load: --cpu-prof reaches them through execArgv. */
async function profilePart(upstreamPort: number): Promise<string> {
  const manifests = join(out, 'profile-manifests');
  mkdirSync(manifests, { recursive: true });
  writeManifest(manifests, 'routes.yaml', [
    ingressClass(),
    ...routeObjects('app', INGRESSES, upstreamPort, undefined, BENCH_HOST),
  ]);
  const profiles = join(out, 'profiles');
  const g = await startGatehouse({
    manifests,
    workers: WORKERS,
    logFile: join(out, 'gatehouse-profile.log'),
    args: extraArgs,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profiles}`],
  });
  await checkServes('gatehouse', g.httpPort);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const load = await driver.wrk({
    url: `http://127.0.0.1:${g.httpPort}/small`,
    host: BENCH_HOST,
    connections: 64,
    durationS: plan.durationS,
  });
  const window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
  await stop(g.started);
  const lines = [`profile: ${load.rps.toFixed(0)} req/s under --cpu-prof; profiles in ${profiles}`];
  // File names carry the PID (CPU.<date>.<time>.<pid>.<thread>.<seq>): the primary's is left out.
  const workers = readdirSync(profiles).filter(
    (f) => f.endsWith('.cpuprofile') && f.split('.')[3] !== String(g.started.pid),
  );
  const summary = summarise(
    workers.map((f) => join(profiles, f)),
    window,
  );
  const share = (n: number) => `${(n * 100).toFixed(1)}%`;
  lines.push(
    `${workers.length} worker profiles, load window ${(summary.windowMs / 1000).toFixed(1)} s, busy ${(summary.busyMs / 1000).toFixed(1)} s CPU; ` +
      `self time: ${Object.entries(summary.groups)
        .map(([k, v]) => `${k} ${share(v)}`)
        .join(', ')}`,
  );
  for (const e of summary.top.slice(0, 40)) {
    lines.push(`  ${share(e.share).padStart(6)}  ${e.group.padEnd(9)} ${e.name}  ${e.where}`);
  }
  lines.push('top Gatehouse functions, self time:');
  for (const e of summary.top.filter((e) => e.group === 'gatehouse').slice(0, 15)) {
    lines.push(`  ${share(e.share).padStart(6)}  ${e.name}  ${e.where}`);
  }
  lines.push('top Gatehouse functions, inclusive time (with what they call):');
  for (const e of summary.inclusive.slice(0, 15))
    lines.push(`  ${share(e.share).padStart(6)}  ${e.name}  ${e.where}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  stopAllOnSignal();
  execFileSync('bash', [join(root, 'scripts/install-bench-tools.sh')], { stdio: 'inherit' });
  say(
    `bench: results and logs in ${out}; ${WORKERS} workers each side; machine shared with wrk and the upstream`,
  );
  const { ports } = await startUpstream();
  const report: string[] = [];
  let headline: ScenarioResult | undefined;
  // Each part's table is printed as soon as it is done, and all of them again at the end.
  const add = (text: string) => {
    report.push(text);
    say(`\n${text}\n`);
    writeFileSync(join(out, 'report.md'), `${report.join('\n\n')}\n`);
  };
  if (parts.has('profile')) add(await profilePart(ports.main));
  if (parts.has('scale')) {
    const s = await scalePart(ports);
    add(scaleTable(s.table, s.growth, s.burst, s.propagation));
    writeFileSync(join(out, 'scale.json'), JSON.stringify(s, null, 2));
  }
  if (parts.has('headline')) {
    const result = await headlinePart(ports.main);
    add(proxyTable([result], []));
    headline = result;
  }
  if (parts.has('proxy')) {
    const { results, skipped } = await proxyPart(ports.main);
    add(proxyTable(results, skipped));
    writeFileSync(join(out, 'proxy.json'), JSON.stringify(results, null, 2));
    headline = results[results.length - 1];
  }
  say(`\n----- results (also in ${join(out, 'report.md')}) -----\n\n${report.join('\n\n')}\n`);
  if (headline) say(ratioLine(headline));
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    closeProbes();
    await stopAll();
  });
