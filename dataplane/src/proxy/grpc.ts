// The proxy's own answers to gRPC requests: a gRPC client cannot read an HTML or text error page,
// only a status. So a 404/502/503/504 of the proxy becomes a "Trailers-Only" response (gRPC over
// HTTP/2 spec): HTTP 200, `content-type: application/grpc`, `grpc-status` and `grpc-message` in
// the only header block, no body. Codes follow gRPC's "HTTP to gRPC Status Code Mapping".
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Backend } from '../table/types.ts';
import { answer } from './answers.ts';

export const GrpcStatus = {
  UNKNOWN: 2,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** `application/grpc`, `application/grpc+proto`, `application/grpc-web…`. */
export function isGrpc(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  return type !== undefined && type.length >= 16 && type.slice(0, 16).toLowerCase() === 'application/grpc';
}

export function grpcStatusFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 413:
    case 431:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** grpc-message is percent-encoded outside printable ASCII, and `%` itself (gRPC over HTTP/2 spec). */
function grpcMessage(httpStatus: number): string {
  const text = `gatehouse: ${httpStatus} ${STATUS_CODES[httpStatus] ?? 'Error'}`;
  return text.replace(/[^\x20-\x24\x26-\x7e]/g, (c) => encodeURIComponent(c));
}

export function answerGrpc(res: ServerResponse, httpStatus: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = {
    'content-type': headerOf(res.req?.headers) ?? 'application/grpc',
    'grpc-status': String(grpcStatusFor(httpStatus)),
    'grpc-message': grpcMessage(httpStatus),
    server: 'gatehouse',
  };
  if (!respondTrailersOnly(res.req, res, 200, headers)) res.writeHead(200, headers);
  res.end();
}

/**
 * Over HTTP/2 a Trailers-Only response must be one HEADERS frame with END_STREAM: gRPC clients
 * read `grpc-status` in a header block only then, and a head written with writeHead leaves the
 * stream open for a body and trailers (http2/exchange.ts). So a gRPC status in response headers
 * (our own answer, or relayed from an upstream that answered Trailers-Only) is sent on the stream
 * directly. False when it does not apply (HTTP/1.1, no grpc-status): write the headers as usual.
 */
export function respondTrailersOnly(
  req: IncomingMessage | undefined,
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[] | number | undefined>,
): boolean {
  if (req?.httpVersionMajor !== 2 || headers['grpc-status'] === undefined) return false;
  const stream = (res as unknown as { stream?: ServerHttp2Stream }).stream;
  if (stream === undefined || stream.destroyed || stream.headersSent) return false;
  const out: OutgoingHttpHeaders = { ':status': status };
  for (const name in headers) if (headers[name] !== undefined) out[name] = headers[name];
  stream.respond(out, { endStream: true });
  return true;
}

function headerOf(headers: IncomingHttpHeaders | undefined): string | undefined {
  const type = headers?.['content-type'];
  // Answer in the request's own gRPC flavour (grpc-web clients expect grpc-web back).
  return type?.toLowerCase().startsWith('application/grpc-web') ? type : undefined;
}

/**
 * gRPC servers may insist on `te: trailers` (the client's promise to read trailers). TE is hop-by-hop
 * and stripped with the others, so it is sent again to HTTP/2 upstreams when the client sent it.
 */
export function forwardsTeTrailers(
  te: string | string[] | undefined,
  protocol: Backend['protocol'],
): boolean {
  if (te === undefined || (protocol !== 'H2' && protocol !== 'H2C')) return false;
  return /(^|,)\s*trailers\s*(;|,|$)/i.test(Array.isArray(te) ? te.join(',') : te);
}

/** The proxy's own answer in the request's language: gRPC status for gRPC, else the plain page. */
export function answerRequest(res: ServerResponse, status: number): void {
  if (res.req !== undefined && isGrpc(res.req.headers)) answerGrpc(res, status);
  else answer(res, status);
}
