// A/B of two source trees on the request path: a bare worker of each (test/integration/
// worker-harness.ts of its own tree) behind one local backend, batches of requests alternated
// between them so that the load of a shared machine hits both alike; the figure is CPU (user +
// system of the worker process, from /proc) per request, which moves less with load than req/s.
// Run: node bench/ab-workers.ts TREE_A TREE_B [GET|POST] [BODY_BYTES=1024]
// A tree is a checkout with its node_modules, e.g.
//   git archive main | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [treeA, treeB, method = 'POST', bodyArg = '1024'] = process.argv.slice(2);
if (!treeA || !treeB || (method !== 'GET' && method !== 'POST')) {
  process.stderr.write('usage: node bench/ab-workers.ts TREE_A TREE_B [GET|POST] [BODY_BYTES]\n');
  process.exit(2);
}
const CONCURRENCY = 16;
const BATCH = 3_000;
const ROUNDS = 12;
const body = method === 'POST' ? Buffer.alloc(Number(bodyArg), 'x') : undefined;

const backend = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
backend.listen(0, '127.0.0.1');
await once(backend, 'listening');
const backendPort = (backend.address() as { port: number }).port;

interface Side {
  tree: string;
  pool: Pool;
  cpuMs(): number;
  stop(): Promise<void>;
  usedMs: number;
  requests: number;
}

async function start(tree: string): Promise<Side> {
  const harness = await import(`${tree}/test/integration/worker-harness.ts`);
  const worker = await harness.startWorker(
    harness.tableOf(1, [harness.prefixRoute('ab', '/', 'ab')], { ab: backendPort }),
    { metrics: false },
  );
  const pool = new Pool(`http://127.0.0.1:${worker.httpPort}`, { connections: CONCURRENCY });
  const cpuMs = (): number => {
    // Fields 14 and 15 of /proc/PID/stat: utime and stime in clock ticks (100 per second).
    const fields = readFileSync(`/proc/${worker.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  return { tree, pool, cpuMs, stop: () => worker.stop(), usedMs: 0, requests: 0 };
}

async function batch(side: Side, n: number, counted: boolean): Promise<void> {
  let sent = 0;
  const loop = async (): Promise<void> => {
    while (sent++ < n) {
      const r = await side.pool.request({ path: '/ab', method, headers: { host: 'ab.test' }, body });
      await r.body.text();
    }
  };
  const before = side.cpuMs();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  if (!counted) return;
  side.usedMs += side.cpuMs() - before;
  side.requests += n;
}

const sides = [await start(treeA), await start(treeB)];
try {
  for (const side of sides) await batch(side, BATCH, false); // warm-up: JIT, connections
  for (let round = 0; round < ROUNDS; round++)
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) await batch(side, BATCH, true);
  for (const side of sides) {
    const us = ((side.usedMs / side.requests) * 1000).toFixed(1);
    process.stdout.write(`${method} ${side.tree}: ${us} µs CPU per request over ${side.requests}\n`);
  }
} finally {
  for (const side of sides) {
    await side.pool.close();
    await side.stop();
  }
  backend.close();
}
