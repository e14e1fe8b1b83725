// Bytes of one exchange as the client's connection saw them, headers included (nginx's
// $request_length and $bytes_sent): the growth of the socket's counters since the previous
// exchange on it ended. Two reads and two writes per request, nothing allocated.
import type { Socket } from 'node:net';
import type { ExchangeEnd } from '../proxy/observer.ts';

const kRead = Symbol('gatehouse.bytesRead');
const kWritten = Symbol('gatehouse.bytesWritten');
type CountedSocket = Socket & { [kRead]?: number; [kWritten]?: number };

/** Filled by measureBytes; one per process, read at once by the caller. */
export const measured = { in: 0, out: 0 };

export function measureBytes(end: ExchangeEnd): void {
  const req = end.req;
  if (req.httpVersionMajor >= 2) {
    // Streams share one connection: its counters cannot tell them apart, so use declared lengths.
    measured.in = Number(req.headers['content-length'] ?? 0) || 0;
    measured.out = Number(end.res?.getHeader('content-length') ?? 0) || 0;
    return;
  }
  // The response's socket: the request's is already released once undici consumed its body.
  const socket = (end.res?.socket ?? req.socket) as CountedSocket | null;
  if (socket === null) {
    measured.in = 0;
    measured.out = 0;
    return;
  }
  const read = socket.bytesRead;
  const written = socket.bytesWritten;
  measured.in = read - (socket[kRead] ?? 0);
  measured.out = written - (socket[kWritten] ?? 0);
  socket[kRead] = read;
  socket[kWritten] = written;
}
