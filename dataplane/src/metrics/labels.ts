// The bounded label values (docs/metrics.md § Labels): known methods (else OTHER), status classes,
// upstream error reasons. Each maps to a small index, so a route's series are found in an array.
import { BODY_TOO_LARGE, CLIENT_BODY_TIMEOUT, CLIENT_BODY_TOO_SLOW } from '../proxy/body-guard.ts';
import { REFUSED_ADDRESS } from '../upstream/address-guard.ts';

export const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'OTHER',
] as const;

/** Index into METHODS; anything not a known verb (WebDAV, made-up tokens) is OTHER. */
export function methodIndex(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'CONNECT':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'TRACE':
      return 7;
    case 'PATCH':
      return 8;
    default:
      return 9;
  }
}

/** `status` label values: index = the code's first digit; 0 for anything outside 100-599. */
export const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export function statusClassIndex(status: number): number {
  const c = (status / 100) | 0;
  return c >= 1 && c <= 5 ? c : 0;
}

/** One slot per method × status class. */
export const REQUEST_SLOTS = METHODS.length * STATUS_CLASSES.length;

export function requestSlot(method: string | undefined, status: number): number {
  return methodIndex(method) * STATUS_CLASSES.length + statusClassIndex(status);
}

/** `refused_address`: an ExternalName connection to loopback, link-local or an own address (address-guard.ts). */
export const UPSTREAM_ERROR_REASONS = [
  'connect',
  'timeout',
  'reset',
  'tls',
  'ejected',
  'refused_address',
] as const;
export type UpstreamErrorReason = (typeof UPSTREAM_ERROR_REASONS)[number];

/**
 * The reason label of an upstream failure, from the error's code (undici's or the OS's); undefined
 * when it was not the upstream's fault (the client went away, a malformed request body).
 */
export function upstreamErrorReason(error: Error & { code?: string }): UpstreamErrorReason | undefined {
  const code = error.code ?? '';
  switch (code) {
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_REQ_RETRY':
    // The client's body: too large, stalled or too slow (proxy/body-guard.ts).
    case BODY_TOO_LARGE:
    case CLIENT_BODY_TIMEOUT:
    case CLIENT_BODY_TOO_SLOW:
      return undefined;
    case REFUSED_ADDRESS:
      return 'refused_address';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return 'connect';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'HPE_INVALID_CONSTANT':
    case 'UND_ERR_RESPONSE_STATUS_CODE':
      return 'reset';
  }
  // Node's TLS codes, and OpenSSL's verification codes (DEPTH_ZERO_SELF_SIGNED_CERT, …).
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT')) return 'tls';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') return 'tls';
  // Anything else broke the exchange mid-way: counted as a reset rather than lost.
  return 'reset';
}

export function reasonIndex(reason: UpstreamErrorReason): number {
  return UPSTREAM_ERROR_REASONS.indexOf(reason);
}

/** Outcomes of a mirrored copy (proxy/mirror.ts): the mirror answered (any status), failed, was
 * aborted or not sent by the proxy's bounds, had no endpoint, or the client's body was cut off. */
export const MIRROR_OUTCOMES = ['answered', 'error', 'overflow', 'no_endpoint', 'cancelled'] as const;
export type MirrorOutcome = (typeof MIRROR_OUTCOMES)[number];
