// A steady, light, open-loop load and its upstream, in a process of their own so that nothing the
// benchmark's driver does (building and sending 10 000-route tables) delays them. Requests leave
// on a fixed schedule whatever the answers do, so a proxy that stops for 80 ms shows as requests
// that took up to 80 ms; each one is recorded with its wall-clock start for attributing stalls.
// Protocol (IPC): → {type:'start', port, host, rate}; ← {type:'upstream', port} at boot;
// → {type:'stop'} ← {type:'samples', samples: [startMs, latencyMs, status][]}.
import { Agent, createServer, request } from 'node:http';

const upstream = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
upstream.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'upstream', port: (upstream.address() as { port: number }).port });
});

const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const samples: Array<[number, number, number]> = [];
let timer: NodeJS.Timeout | undefined;

function one(port: number, host: string): void {
  const startedAt = performance.timeOrigin + performance.now();
  const started = performance.now();
  const req = request(
    { host: '127.0.0.1', port, path: '/', headers: { host }, agent, timeout: 10_000 },
    (res) => {
      res.resume();
      res.on('end', () => samples.push([startedAt, performance.now() - started, res.statusCode ?? 0]));
    },
  );
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => samples.push([startedAt, performance.now() - started, 0]));
  req.end();
}

process.on('message', (m: { type: string; port?: number; host?: string; rate?: number }) => {
  if (m.type === 'start') {
    const everyMs = 1000 / (m.rate ?? 200);
    let next = performance.now();
    // Catch up on the schedule after any delay of our own, so the offered rate stays fixed.
    const tick = () => {
      const now = performance.now();
      while (next <= now) {
        one(m.port!, m.host!);
        next += everyMs;
      }
      timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  } else if (m.type === 'stop') {
    clearTimeout(timer);
    // Let the last requests finish (bounded by their own timeout).
    setTimeout(() => {
      process.send?.({ type: 'samples', samples });
    }, 500);
  }
});
process.on('disconnect', () => process.exit(0));
