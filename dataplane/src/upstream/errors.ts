// Upstream failures by reason, as the retry and outlier layers need them: only errors known to be
// a connect failure or a reset count as such (metrics/labels.ts files unknown codes under `reset`
// for counting; a retry must not guess). A connect failure sent nothing; a reset may have.
import type { UpstreamErrorReason } from '../metrics/labels.ts';
import { REFUSED_ADDRESS } from './address-guard.ts';

export type { UpstreamErrorReason };

const CONNECT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const RESET = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
]);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** undefined for errors that are not the upstream's fault (the client went away, a bad request). */
export function upstreamErrorReason(error: Error & { code?: string }): UpstreamErrorReason | undefined {
  const code = error.code ?? '';
  if (code === REFUSED_ADDRESS) return 'refused_address';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (CONNECT.has(code)) return 'connect';
  if (RESET.has(code)) return 'reset';
  if (TIMEOUT.has(code)) return 'timeout';
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT')) return 'tls';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') return 'tls';
  return undefined;
}

/**
 * Failed before a byte of the request reached the upstream: refused, unreachable, connect
 * timeout, TLS handshake, an address the guard refused. Retrying such a request elsewhere is safe whatever its method.
 */
export function isConnectFailure(error: Error & { code?: string }): boolean {
  const code = error.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === REFUSED_ADDRESS || CONNECT.has(code)) return true;
  return upstreamErrorReason(error) === 'tls';
}

/** Refused or unreachable: the network answered at once, before any connection existed. */
const REFUSED_AT_ONCE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

export function isRefusedAtOnce(error: Error & { code?: string }): boolean {
  return REFUSED_AT_ONCE.has(error.code ?? '');
}
