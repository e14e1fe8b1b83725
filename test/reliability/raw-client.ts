// A raw HTTP/1.1 client for the fuzz pass: writes exact bytes on a fresh connection (optionally
// trickled), then reads until the server closes or a deadline passes. What it reports is only what
// the wire showed: the status codes in order and whether the deadline, not the server, ended it.
import { connect } from 'node:net';

export interface RawOutcome {
  statuses: number[];
  /** The bytes received, latin1. */
  text: string;
  timedOut: boolean;
  ms: number;
}

/** Status lines anywhere (a pipelined answer follows the last body byte); the fuzz bodies never hold one. */
export function statusesOf(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

export function exchangeRaw(
  port: number,
  bytes: Buffer,
  options: {
    deadlineMs: number;
    trickle?: { first?: number; chunk: number; everyMs: number; untilByte: number };
  },
): Promise<RawOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let timedOut = false;
    let trickle: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.deadlineMs);
    socket.on('data', (d: Buffer) => received.push(d));
    // A server that refuses mid-write resets the connection: what arrived before is the answer.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(deadline);
      clearInterval(trickle);
      const text = Buffer.concat(received).toString('latin1');
      resolve({ statuses: statusesOf(text), text, timedOut, ms: Math.round(performance.now() - started) });
    });
    socket.on('connect', () => {
      const t = options.trickle;
      if (t === undefined) {
        // No half-close: Gatehouse, like nginx, takes a client's FIN as its leaving (499), and would
        // drop answers still owed. The bytes end with a `Connection: close` request instead.
        socket.write(bytes);
        return;
      }
      let at = 0;
      trickle = setInterval(() => {
        if (socket.destroyed) return clearInterval(trickle);
        if (at >= Math.min(bytes.length, t.untilByte)) return;
        const n = at === 0 ? (t.first ?? t.chunk) : t.chunk;
        socket.write(bytes.subarray(at, at + n));
        at += n;
      }, t.everyMs);
    });
  });
}

/** Resident set of a process in bytes, from /proc (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}
