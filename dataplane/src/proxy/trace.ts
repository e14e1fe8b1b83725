// W3C Trace Context at the edge (https://www.w3.org/TR/trace-context/): a valid incoming
// `traceparent` is forwarded unchanged; an absent or invalid one is replaced by a new trace, so the
// access log line and the backends' spans share one trace id.
import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks, as crypto.randomUUID does, so a new id costs no system call.
const ID_BYTES = 24;
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

function isLowerHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/** Hex digits in [from, to), none of them other than '0' required unless `nonZero`. */
function hexField(value: string, from: number, to: number): 0 | 1 | 2 {
  let nonZero = false;
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i);
    if (!isLowerHex(c)) return 0;
    if (c !== 48) nonZero = true;
  }
  return nonZero ? 2 : 1;
}

/**
 * version 00, 32 hex trace id, 16 hex parent id, 2 hex flags, dash-separated; all-zero ids are
 * invalid (§3.2.2), so is version ff. Checked by hand: this runs on every request.
 */
export function isValidTraceparent(value: string): boolean {
  if (value.length !== 55) return false;
  if (value.charCodeAt(2) !== 45 || value.charCodeAt(35) !== 45 || value.charCodeAt(52) !== 45) return false;
  if (hexField(value, 0, 2) === 0 || value.startsWith('ff')) return false;
  return hexField(value, 3, 35) === 2 && hexField(value, 36, 52) === 2 && hexField(value, 53, 55) !== 0;
}

/** A new root: random ids, `sampled` as the edge decided (it records the request in its access log). */
export function newTraceparent(sampled: boolean): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const ids = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-${sampled ? '01' : '00'}`;
}

/** The trace id of a valid traceparent. */
export function traceId(traceparent: string): string {
  return traceparent.slice(3, 35);
}

/**
 * Deterministic sampling from the trace id (like OpenTelemetry's TraceIdRatioBased): every tier
 * that samples by the same rule keeps the same traces. Reads the last 8 hex digits.
 */
export function sampledByTraceId(traceparent: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return Number.parseInt(traceparent.slice(27, 35), 16) / 0x1_0000_0000 < rate;
}

/**
 * The traceparent to forward, written into the flat upstream header list `headers` when the
 * client's is absent or invalid (then its tracestate goes too: §3.3 ties it to the parent).
 * `sampleRate` decides the sampled flag of a new trace.
 */
export function forwardTraceparent(
  headers: string[],
  incoming: string | string[] | undefined,
  sampleRate: number,
): string {
  if (typeof incoming === 'string' && isValidTraceparent(incoming)) return incoming;
  const fresh = newTraceparent(false);
  const created = sampleRate > 0 && sampledByTraceId(fresh, sampleRate) ? `${fresh.slice(0, -2)}01` : fresh;
  if (incoming !== undefined) {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      const name = headers[i].toLowerCase();
      if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2);
    }
  }
  headers.push('traceparent', created);
  return created;
}
