// Route.maxRequestBodyBytes for bodies of unknown length (chunked HTTP/1.1, HTTP/2 without
// content-length): counted while they stream, never buffered. A declared Content-Length is checked
// before any byte is forwarded (handler.ts), and Node's parser holds the body to that length.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** Error code of an over-long body; handler.ts answers it with 413. */
export const BODY_TOO_LARGE = 'GATEHOUSE_BODY_TOO_LARGE';

/** The request body to forward: `req` itself, or a counting view of it when a limit applies. */
export function limitedBody(req: IncomingMessage, max: number | undefined): Readable {
  if (max === undefined || req.headers['content-length'] !== undefined) return req;
  return Readable.from(counted(req, max), { objectMode: false });
}

async function* counted(req: IncomingMessage, max: number): AsyncGenerator<Buffer> {
  let seen = 0;
  // Not destroyed on exit: the client's connection must survive to receive the 413.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    seen += (chunk as Buffer).length;
    if (seen > max) {
      req.resume();
      throw Object.assign(new Error(`request body larger than ${max} bytes`), { code: BODY_TOO_LARGE });
    }
    yield chunk as Buffer;
  }
}
