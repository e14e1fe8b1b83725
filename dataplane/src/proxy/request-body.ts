// The request body the proxy forwards, for both protocols: whether there is one, where it is read
// from, the stage that times and counts it (body-guard.ts), and how the client's side ends when
// the rest of a body will not be read. An Http2Exchange is told by its class, never by
// httpVersionMajor, which an HTTP/1 request line can claim (`GET / HTTP/2.0`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as http2 } from 'node:http2';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { CompiledRoute } from '../compile.ts';
import { Http2Exchange } from '../http2/exchange.ts';
import type { CompiledBackend } from '../upstream/balancer.ts';
import { type BodyOwner, GuardedBody } from './body-guard.ts';
import type { BodyPace } from './body-pace.ts';
import { answerRequest, isGrpc } from './grpc.ts';

/** The pace rules of a listener: uploads, and gRPC streams, which have no minimum rate. */
export interface BodyPaces {
  readonly uploads: BodyPace;
  readonly grpcStreams: BodyPace;
}

function hasBody(req: IncomingMessage): boolean {
  // HTTP/2 frames the body itself: a request without one ends its stream with the HEADERS frame.
  if (req instanceof Http2Exchange) return !req.stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Where the body is read: HTTP/2's is a Readable of its own (http2/exchange.ts), HTTP/1's the request. */
function sourceOf(req: IncomingMessage): Readable {
  return req instanceof Http2Exchange ? req.requestBody() : req;
}

/**
 * The body undici sends, or null for a request without one: read through the stage that times it
 * and counts it against the route's limit (for a body of unknown length; a declared one was checked
 * before). gRPC streams to an HTTP/2 backend send messages when they have them, not at a rate:
 * only the between-reads timeout applies to them, as in nginx.
 */
export function forwardedBody(
  req: IncomingMessage,
  owner: BodyOwner,
  route: CompiledRoute,
  backend: CompiledBackend,
  paces: BodyPaces,
): GuardedBody | null {
  if (!hasBody(req)) return null;
  const protocol = backend.backend.protocol;
  const grpcStream = (protocol === 'H2' || protocol === 'H2C') && isGrpc(req.headers);
  const max = req.headers['content-length'] === undefined ? route.maxRequestBodyBytes : undefined;
  return new GuardedBody(
    sourceOf(req),
    owner,
    grpcStream ? paces.grpcStreams : paces.uploads,
    max ?? Number.POSITIVE_INFINITY,
  );
}

/** The answer to a stalled body (408): the rest of it is never read, so the connection (HTTP/1) or stream ends. */
export function answerAndClose(req: IncomingMessage, res: ServerResponse, status: number): void {
  if (res instanceof Http2Exchange) {
    answerRequest(res, status);
    closeClient(req, res);
    return;
  }
  // Connection: close, and Node ends the socket once the answer is written.
  res.shouldKeepAlive = false;
  answerRequest(res, status);
}

/** Ends the client's side of an answered exchange whose body will not be read any further. */
export function closeClient(req: IncomingMessage, res: ServerResponse): void {
  if (res instanceof Http2Exchange) {
    const stream = res.stream;
    // RFC 9113 §8.1: after a complete response, NO_ERROR asks the client to stop sending.
    if (!stream.closed && !stream.destroyed) stream.close(http2.NGHTTP2_NO_ERROR);
    return;
  }
  // Once what was written is sent: the response may still be on its way.
  (req.socket as Socket | null)?.destroySoon();
}
