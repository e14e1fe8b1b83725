// A burst of new keep-alive connections, every request timed: which requests are slow, and are
// they the first on their connection? wrk reports only a latency distribution; this tells a
// connection-setup stall from a slow proxy. Raw sockets, one request in flight per connection.
// Run: node bench/burst.ts PORT [CONNECTIONS=1000] [SECONDS=8] [HOST=bench.example.com] [PATH=/small]
// Bounded: it stops sending after SECONDS and exits at most 5 s later, answered or not.
import { connect, type Socket } from 'node:net';

const [portArg, connArg = '1000', secsArg = '8', host = 'bench.example.com', path = '/small'] =
  process.argv.slice(2);
const port = Number(portArg);
const connections = Number(connArg);
const seconds = Number(secsArg);
if (!Number.isInteger(port) || !(connections > 0) || !(seconds > 0)) {
  process.stderr.write('usage: node bench/burst.ts PORT [CONNECTIONS] [SECONDS] [HOST] [PATH]\n');
  process.exit(2);
}

/** A request is "slow" above this; a closed loop of 1 000 connections on 2 cores runs at ~60 ms. */
const SLOW_MS = 500;
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1');

interface Slow {
  connection: number;
  /** 1 for the connection's first request. */
  nth: number;
  ms: number;
}

const started = performance.now();
const slow: Slow[] = [];
let answered = 0;
let failed = 0;

/** Byte length of one complete response at the start of `buf`, or 0 if it is not all there. */
function responseLength(buf: Buffer): number {
  const head = buf.indexOf('\r\n\r\n');
  if (head < 0) return 0;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.subarray(0, head).toString('latin1'));
  if (m === null) throw new Error('a response without Content-Length: this tool reads only those');
  const total = head + 4 + Number(m[1]);
  return buf.length >= total ? total : 0;
}

function open(index: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let sentAt = 0;
  let nth = 0;
  let pending: Buffer = Buffer.alloc(0);
  const send = (): void => {
    sentAt = performance.now();
    nth++;
    socket.write(request);
  };
  socket.on('connect', send);
  socket.on('data', (data: Buffer) => {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    for (let n = responseLength(pending); n > 0; n = responseLength(pending)) {
      pending = pending.subarray(n);
      const now = performance.now();
      answered++;
      if (now - sentAt > SLOW_MS) slow.push({ connection: index, nth, ms: Math.round(now - sentAt) });
      if (now - started < seconds * 1000) send();
      else socket.end();
    }
  });
  socket.on('error', () => {
    failed++;
  });
  return socket;
}

const sockets = Array.from({ length: connections }, (_, i) => open(i));
const deadline = setTimeout(finish, (seconds + 5) * 1000);
let remaining = connections;
for (const s of sockets)
  s.on('close', () => {
    if (--remaining === 0) finish();
  });

function finish(): void {
  clearTimeout(deadline);
  for (const s of sockets) s.destroy();
  const first = slow.filter((s) => s.nth === 1);
  const later = slow.filter((s) => s.nth > 1);
  const ms = first.map((s) => s.ms).sort((a, b) => a - b);
  const ids = first.map((s) => s.connection);
  console.log(
    `${connections} connections, ${seconds} s: ${answered} answered, ${failed} connection errors; ` +
      `slow (> ${SLOW_MS} ms): ${first.length} first requests, ${later.length} later ones`,
  );
  if (first.length > 0) {
    console.log(
      `slow first requests: ${ms[0]}–${ms[ms.length - 1]} ms, on connections ` +
        `${Math.min(...ids)}–${Math.max(...ids)} (opened in that order)`,
    );
  }
  process.exit(0);
}
