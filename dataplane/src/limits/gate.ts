// The limits' check for one request: exempt clients pass; then limit_req (a lease of the replica's
// budget, client.ts), then limit_conn (held until the response closes). A request that must wait
// for the primary is resumed by calling `resume` again once the answer is in: the verdict is kept
// on the request, so the second pass only reads it. Excess answers 503 (limit-req-status-code).
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { clientAllowed } from '../proxy/client-access.ts';
import { plainAddress } from '../proxy/forwarding.ts';
import type { Refusal } from '../proxy/route-gate.ts';
import type { LimitClient } from './client.ts';
import type { CompiledRateLimit } from './compile.ts';

/** limitRequest's answers. */
export const LIMIT_PASS = 0;
export const LIMIT_WAIT = 1;
export const LIMIT_RATE = 2;
export const LIMIT_CONNECTIONS = 3;
/** Over a global-rate-limit: 429 (ingress-nginx's global-rate-limit-status-code). */
export const LIMIT_GLOBAL = 4;

const RATE_ADMITTED = 1;
const RATE_DENIED = 2;
const CONNECTION_HELD = 4;
const CONNECTION_DENIED = 8;
const GLOBAL_ADMITTED = 16;
const GLOBAL_DENIED = 32;

const kLimit = Symbol('gatehouse.limit');
type LimitedRequest = IncomingMessage & { [kLimit]?: number };
const kRelease = Symbol('gatehouse.limit.release');
/** A response, or an upgraded connection's socket: the request is in progress until it closes. */
export type Answering = EventEmitter & { readonly destroyed: boolean; readonly writableFinished: boolean };
type HeldResponse = Answering & { [kRelease]?: { client: LimitClient; zone: string; key: string } };

export function limitRequest(
  client: LimitClient,
  limit: CompiledRateLimit,
  address: string,
  req: IncomingMessage,
  res: Answering,
  resume: () => void,
): number {
  const r = req as LimitedRequest;
  const state = r[kLimit] ?? 0;
  if (state & RATE_DENIED) return LIMIT_RATE;
  if (state & CONNECTION_DENIED) return LIMIT_CONNECTIONS;
  if (state & GLOBAL_DENIED) return LIMIT_GLOBAL;
  // ingress-nginx's global limit ran in Lua's access phase, after limit_req and limit_conn.
  const global = limit.global;
  if (global !== undefined && (state & GLOBAL_ADMITTED) === 0) {
    const verdict = localVerdict(client, limit, address, req, res, resume, state);
    if (verdict !== LIMIT_PASS) return verdict;
    if (global.exempt !== undefined && clientAllowed(global.exempt, address)) return LIMIT_PASS;
    client.global(global.zone, plainAddress(address), global.limit, global.windowSeconds, (admitted) => {
      r[kLimit] = (r[kLimit] ?? 0) | (admitted ? GLOBAL_ADMITTED : GLOBAL_DENIED);
      resume();
    });
    return LIMIT_WAIT;
  }
  return localVerdict(client, limit, address, req, res, resume, state);
}

/** limit_req then limit_conn, kept by the replica. */
function localVerdict(
  client: LimitClient,
  limit: CompiledRateLimit,
  address: string,
  req: IncomingMessage,
  res: Answering,
  resume: () => void,
  state: number,
): number {
  const r = req as LimitedRequest;
  if (limit.zone === '') return LIMIT_PASS;
  // ingress-nginx maps an allow-listed client to an empty key, which nginx does not account.
  if (limit.exempt !== undefined && clientAllowed(limit.exempt, address)) return LIMIT_PASS;
  const key = plainAddress(address);
  const budget = limit.budget;
  if (budget !== undefined && (state & RATE_ADMITTED) === 0) {
    if (client.tryTake(budget, key)) r[kLimit] = state | RATE_ADMITTED;
    else {
      client.wait(budget, key, (admitted) => {
        r[kLimit] = (r[kLimit] ?? 0) | (admitted ? RATE_ADMITTED : RATE_DENIED);
        resume();
      });
      return LIMIT_WAIT;
    }
  }
  if (limit.connections > 0 && (state & CONNECTION_HELD) === 0) {
    client.acquire(limit.zone, key, limit.connections, (admitted) => {
      r[kLimit] = (r[kLimit] ?? 0) | (admitted ? CONNECTION_HELD : CONNECTION_DENIED);
      if (admitted) hold(res as HeldResponse, client, limit.zone, key);
      resume();
    });
    return LIMIT_WAIT;
  }
  return LIMIT_PASS;
}

/** The answer to a refused request: 503 (limit-req/-conn-status-code), 429 (global-rate-limit-status-code). */
export function limitStatus(limited: number): number {
  return limited === LIMIT_GLOBAL ? 429 : 503;
}

export function limitRefusal(limited: number): Refusal {
  if (limited === LIMIT_RATE) return 'rate_limit';
  return limited === LIMIT_GLOBAL ? 'global_rate_limit' : 'connection_limit';
}

/**
 * The request is in progress until its response closes (or at once, when the client left already).
 * An HTTP/2 exchange takes no listener of ours (http2/exchange.ts): its stream's 'close' is heard.
 */
function hold(res: HeldResponse, client: LimitClient, zone: string, key: string): void {
  if (res.destroyed || res.writableFinished) {
    client.release(zone, key);
    return;
  }
  const target = ((res as { stream?: HeldResponse }).stream ?? res) as HeldResponse;
  target[kRelease] = { client, zone, key };
  target.once('close', release);
}

function release(this: HeldResponse): void {
  const held = this[kRelease];
  if (held === undefined) return;
  this[kRelease] = undefined;
  held.client.release(held.zone, held.key);
}
