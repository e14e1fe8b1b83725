// Router micro-benchmark: compile a 10 000-host table, then time lookups for a mix of hits and
// misses against the compiled router and against a naive scan over every route (the ratio is the
// point). Bounded: a fixed number of lookups or a time budget, whichever comes first.
// A second, small table has hosts with Regex paths (use-regex), and one host whose patterns make a
// backtracking engine take exponential time, tried on a 2 KiB path: those lines time the regex engine.
// Run: node bench/router-lookup.ts
import { compileRouter, lookup } from '../dataplane/src/router/index.ts';
import type { HostRoutes, Route, RouteTable } from '../dataplane/src/table/types.ts';

const HOSTS = 10_000;
const WILDCARD_EVERY = 4;
const LOOKUPS = 2_000_000;
const NAIVE_LOOKUPS = 20_000;
const BUDGET_MS = 1_500;

function route(id: string, type: 'Exact' | 'Prefix' | 'Regex', value: string, methods?: string[]): Route {
  return {
    id,
    source: { kind: 'Ingress', namespace: 'bench', name: id },
    match: methods === undefined ? { path: { type, value } } : { path: { type, value }, methods },
    backends: [{ backend: 'svc', weight: 1 }],
    filters: [],
  };
}

const REGEX_HOSTS = 100;
const REGEX_PATTERNS = ['/api/v[0-9]+/users/[^/]+', '/img/.*\\.(png|jpe?g)$', '/([a-z]+)/home', '/docs/.*'];
// Exponential for a backtracking engine on a near-miss; the old engine refused them (then: fallback).
const PATHOLOGICAL = ['/(a+)+$', '/(a|a)*b'];

function regexTable(): RouteTable {
  const hosts: HostRoutes[] = [];
  for (let i = 0; i < REGEX_HOSTS; i++) {
    const h = `regex-${i}.example.io`;
    const routes = REGEX_PATTERNS.map((p, n) => route(`${h}/re${n}`, 'Regex', p));
    routes.push(route(`${h}/root`, 'Prefix', '/'), route(`${h}/api`, 'Prefix', '/api'));
    hosts.push({ host: h, routes });
  }
  hosts.push({
    host: 'pathological.example.io',
    routes: PATHOLOGICAL.map((p, n) => route(`bad${n}`, 'Regex', p)),
    fallback: route('pathological-fallback', 'Prefix', '/'),
  });
  return { ...buildTable(), hosts };
}

function regexRequests(count: number): Request[] {
  const paths = [
    '/api/v2/users/42/profile',
    '/img/a/b/logo.png',
    '/acme/home',
    '/docs/x',
    '/api/orders',
    '/',
  ];
  const requests: Request[] = [];
  for (let n = 0; n < count; n++)
    requests.push({
      host: `regex-${n % REGEX_HOSTS}.example.io`,
      path: paths[n % paths.length],
      method: 'GET',
    });
  return requests;
}

function hostName(i: number): string {
  return i % WILDCARD_EVERY === 0 ? `*.tenant-${i}.example.net` : `app-${i}.team-${i % 97}.example.com`;
}

function buildTable(): RouteTable {
  const hosts: HostRoutes[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const h = hostName(i);
    hosts.push({
      host: h,
      routes: [
        route(`${h}/root`, 'Prefix', '/'),
        route(`${h}/api`, 'Prefix', '/api'),
        route(`${h}/users`, 'Prefix', `/api/v1/users-${i % 13}`),
        route(`${h}/users-write`, 'Prefix', `/api/v1/users-${i % 13}`, ['POST', 'PUT']),
        route(`${h}/static`, 'Prefix', '/static/assets'),
        route(`${h}/health`, 'Exact', '/healthz'),
      ],
    });
  }
  const backends = {
    svc: {
      namespace: 'bench',
      service: 'svc',
      protocol: 'HTTP' as const,
      endpoints: [],
      balancer: { type: 'RoundRobin' as const },
    },
  };
  return { version: 1, hosts, backends, certificates: {}, defaultRoute: route('default', 'Prefix', '/') };
}

interface Request {
  host: string;
  path: string;
  method: string;
}

/**
 * Deterministic mix: 80 % requests for known hosts (a third upper-case with a port, various paths),
 * 20 % unknown hosts. `spread` hosts are used: all of them (cache-cold), or a hot few as in real traffic.
 */
function buildRequests(count: number, spread: number): Request[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const paths = [
    '/',
    '/api/v1/users-3/42',
    '/api/v2/orders',
    '/static/assets/app.js',
    '/healthz',
    '/healthz/x',
    '/nope/a/b/c',
  ];
  const requests: Request[] = [];
  for (let n = 0; n < count; n++) {
    const i = Math.floor(random() * spread) * Math.floor(HOSTS / spread);
    const known = random() < 0.8;
    const name = hostName(i).replace('*', `www`);
    const host = known ? (n % 3 === 0 ? `${name.toUpperCase()}:443` : name) : `unknown-${i}.example.org`;
    requests.push({ host, path: paths[n % paths.length], method: n % 5 === 0 ? 'POST' : 'GET' });
  }
  return requests;
}

/** The baseline: every lookup walks every host and route, as a list of if-statements would. */
function naiveLookup(table: RouteTable, req: Request): string | undefined {
  let h = req.host.toLowerCase();
  const colon = h.indexOf(':');
  if (colon !== -1) h = h.slice(0, colon);
  let hostEntry: HostRoutes | undefined;
  let wildcard: HostRoutes | undefined;
  for (const entry of table.hosts) {
    if (entry.host === h) hostEntry = entry;
    else if (entry.host.startsWith('*.') && h.slice(h.indexOf('.') + 1) === entry.host.slice(2))
      wildcard = entry;
  }
  const entry = hostEntry ?? wildcard;
  if (entry === undefined) return table.defaultRoute?.id;
  let best: Route | undefined;
  let bestLength = -1;
  for (const r of entry.routes) {
    const { type, value } = r.match.path;
    if (r.match.methods !== undefined && !r.match.methods.includes(req.method)) continue;
    const matches =
      type === 'Exact'
        ? req.path === value
        : value === '/' || req.path === value || req.path.startsWith(`${value}/`);
    // Exact beats Prefix at equal length; a method match beats none (Gateway API).
    const length = value.length + (type === 'Exact' ? 0.5 : 0) + (r.match.methods === undefined ? 0 : 0.25);
    if (matches && length > bestLength) {
      best = r;
      bestLength = length;
    }
  }
  return (best ?? entry.fallback ?? table.defaultRoute)?.id;
}

function timeLoop(
  requests: Request[],
  max: number,
  fn: (req: Request) => string | undefined,
): { ns: number; count: number; sink: number } {
  let sink = 0;
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(BUDGET_MS) * 1_000_000n;
  while (count < max) {
    for (let i = 0; i < 1000 && count < max; i++, count++) {
      const id = fn(requests[count % requests.length]);
      sink += id === undefined ? 0 : id.length;
    }
    if (process.hrtime.bigint() > deadline) break;
  }
  return { ns: Number(process.hrtime.bigint() - start) / count, count, sink };
}

const table = buildTable();
const routeCount = table.hosts.reduce((n, h) => n + h.routes.length, 0);
const compileStart = process.hrtime.bigint();
const router = compileRouter(table, (r) => r.id);
const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;
const requests = buildRequests(100_000, HOSTS);
const hotRequests = buildRequests(100_000, 100);
const noHeaders = {};
const lookupIn = (r: typeof router) => (req: Request) =>
  lookup(r, req.host, req.path, req.method, noHeaders, undefined);
const compiled = lookupIn(router);

let disagreements = 0;
for (let i = 0; i < 2_000; i++)
  if (compiled(requests[i]) !== naiveLookup(table, requests[i])) disagreements++;

timeLoop(requests, 200_000, compiled); // warm-up
const fast = timeLoop(requests, LOOKUPS, compiled);
const hot = timeLoop(hotRequests, LOOKUPS, compiled);
const naive = timeLoop(requests, NAIVE_LOOKUPS, (req) => naiveLookup(table, req));

console.log(
  `table: ${table.hosts.length} hosts (1 in ${WILDCARD_EVERY} wildcard), ${routeCount} routes; problems: ${router.problems.length}`,
);
console.log(`compile: ${compileMs.toFixed(1)} ms`);
const rate = (ns: number) => Math.round(1e9 / ns).toLocaleString('en');
console.log(
  `router, all hosts: ${fast.count} lookups, ${fast.ns.toFixed(0)} ns/lookup, ${rate(fast.ns)} lookups/s`,
);
console.log(
  `router, 100 hot hosts: ${hot.count} lookups, ${hot.ns.toFixed(0)} ns/lookup, ${rate(hot.ns)} lookups/s`,
);
console.log(
  `naive scan, all hosts: ${naive.count} lookups, ${naive.ns.toFixed(0)} ns/lookup, ${rate(naive.ns)} lookups/s`,
);
console.log(
  `naive / router: ${(naive.ns / fast.ns).toFixed(0)}x; answers differing on 2000 sampled requests: ${disagreements}`,
);
const regexRouter = compileRouter(regexTable(), (r) => r.id);
const withRegex = timeLoop(regexRequests(6_000), LOOKUPS, lookupIn(regexRouter));
const pathological = timeLoop(
  [{ host: 'pathological.example.io', path: `/${'a'.repeat(2047)}`, method: 'GET' }],
  LOOKUPS,
  lookupIn(regexRouter),
);
console.log(
  `regex hosts (${REGEX_PATTERNS.length} Regex + 2 Prefix paths): ${withRegex.count} lookups, ${withRegex.ns.toFixed(0)} ns/lookup; problems: ${regexRouter.problems.map((p) => p.routeId).join(', ') || 'none'}`,
);
console.log(
  `pathological ${PATHOLOGICAL.join(' ')} on 2 KiB of 'a': ${pathological.count} lookups, ${(pathological.ns / 1000).toFixed(1)} µs/lookup`,
);
if (withRegex.sink < 0 || pathological.sink < 0) console.log('unreachable');
if (fast.sink < 0 || hot.sink < 0 || naive.sink < 0) console.log('unreachable');
