// Child process of access-log.test.ts: floods the access log on fd 1 (a pipe the parent does not
// read) and reports over IPC how the event loop fared meanwhile.
import type { IncomingMessage } from 'node:http';
import { AccessLog } from '../access-log.ts';
import type { ExchangeEnd } from '../observer.ts';

let dropped = 0;
const log = new AccessLog({ sampleRate: 1, maxBufferedBytes: 1024 * 1024, onDrop: () => dropped++ });
const req = {
  method: 'GET',
  url: `/${'x'.repeat(300)}`,
  httpVersion: '1.1',
  headers: { host: 'shop.test' },
  socket: { remoteAddress: '10.0.0.9' },
} as unknown as IncomingMessage;
const end = { req, status: 200, startedAt: 0, upstreamEndedAt: 0 } as ExchangeEnd;

let ticks = 0;
let last = performance.now();
let maxGapMs = 0;
const timer = setInterval(() => {
  const now = performance.now();
  maxGapMs = Math.max(maxGapMs, now - last);
  last = now;
  ticks++;
}, 5);

const lines = 40_000;
let written = 0;
function batch(): void {
  for (let i = 0; i < 500 && written < lines; i++, written++) log.write(end, performance.now(), 100, 200);
  if (written < lines) setImmediate(batch);
  else {
    clearInterval(timer);
    process.send?.({ written, dropped, ticks, maxGapMs });
  }
}
batch();
