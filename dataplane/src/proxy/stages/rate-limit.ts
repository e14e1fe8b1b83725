// nginx's preaccess phase (ingress-nginx limit-rps/-rpm, limit-connections) and the global
// throttle (global-rate-limit), as stages. Keyed by the client address (--trusted-proxies);
// allow-listed clients are not counted (ingress-nginx maps them to an empty key). limit_req is
// admitted from the worker's lease without IPC when it has one, else waits one round trip to the
// primary (limits/client.ts); limit_conn and the global limit always ask the primary.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LimitClient } from '../../limits/client.ts';
import type { CompiledGlobalLimit, CompiledRateLimit } from '../../limits/compile.ts';
import { clientAllowed } from '../client-access.ts';
import type { ClientView } from '../forwarding.ts';
import { plainAddress } from '../forwarding.ts';
import type { Refusal, Stage, StagedRoute } from './stage.ts';

/** ingress-nginx's limit-req-status-code and limit-conn-status-code. */
const LIMITED = 503;
/** ingress-nginx's global-rate-limit-status-code. */
const GLOBAL_LIMITED = 429;

class RequestRateStage implements Stage {
  readonly refusal: Refusal = 'rate_limit';
  readonly upgrades = true;
  readonly #limit: CompiledRateLimit;

  constructor(limit: CompiledRateLimit) {
    this.#limit = limit;
  }

  check(_req: unknown, _res: unknown, view: ClientView): number | Promise<number> {
    const limit = this.#limit;
    const client = limit.client;
    if (client === undefined) return limit.status;
    if (limit.exempt !== undefined && clientAllowed(limit.exempt, view.address)) return 0;
    const key = plainAddress(view.address);
    if (client.tryTake(limit.budget!, key)) return 0;
    return new Promise((resolve) => client.wait(limit.budget!, key, (ok) => resolve(ok ? 0 : limit.status)));
  }
}

class ConnectionStage implements Stage {
  readonly refusal: Refusal = 'connection_limit';
  readonly upgrades = true;
  readonly #limit: CompiledRateLimit;

  constructor(limit: CompiledRateLimit) {
    this.#limit = limit;
  }

  check(
    _req: IncomingMessage,
    res: ServerResponse | undefined,
    view: ClientView,
    socket?: Duplex,
  ): number | Promise<number> {
    const limit = this.#limit;
    const client = limit.client;
    if (client === undefined) return limit.status;
    if (limit.exempt !== undefined && clientAllowed(limit.exempt, view.address)) return 0;
    const key = plainAddress(view.address);
    const answering = (res ?? socket) as Answering;
    return new Promise((resolve) =>
      client.acquire(limit.zone, key, limit.connections, (ok) => {
        if (ok) hold(answering, client, limit.zone, key);
        resolve(ok ? 0 : limit.status);
      }),
    );
  }
}

class GlobalRateStage implements Stage {
  readonly refusal: Refusal = 'global_rate_limit';
  readonly upgrades = true;
  readonly #global: CompiledGlobalLimit;
  readonly #client: LimitClient | undefined;

  constructor(global: CompiledGlobalLimit, client: LimitClient | undefined) {
    this.#global = global;
    this.#client = client;
  }

  check(_req: unknown, _res: unknown, view: ClientView): number | Promise<number> {
    const global = this.#global;
    const client = this.#client;
    if (client === undefined) return LIMITED;
    if (global.exempt !== undefined && clientAllowed(global.exempt, view.address)) return 0;
    const key = plainAddress(view.address);
    return new Promise((resolve) =>
      client.global(global.zone, key, global.limit, global.windowSeconds, (ok) =>
        resolve(ok ? 0 : GLOBAL_LIMITED),
      ),
    );
  }
}

export function requestRateStage(route: StagedRoute): Stage | undefined {
  const limit = route.rateLimit;
  return limit?.budget === undefined ? undefined : new RequestRateStage(limit);
}

export function connectionStage(route: StagedRoute): Stage | undefined {
  const limit = route.rateLimit;
  return limit === undefined || limit.connections === 0 ? undefined : new ConnectionStage(limit);
}

export function globalRateStage(route: StagedRoute): Stage | undefined {
  const global = route.rateLimit?.global;
  return global === undefined ? undefined : new GlobalRateStage(global, route.rateLimit!.client);
}

/** A response, or an upgraded connection's socket: the request is in progress until it closes. */
type Answering = NodeJS.EventEmitter & { readonly destroyed: boolean; readonly writableFinished?: boolean };
const kRelease = Symbol('gatehouse.limit.release');
type Held = Answering & { [kRelease]?: { client: LimitClient; zone: string; key: string } };

/**
 * limit_conn's slot is held until the response (or tunnel) closes, or given back at once when the
 * client left already. An HTTP/2 exchange takes no listener of ours (http2/exchange.ts): its stream's is used.
 */
function hold(answering: Answering, client: LimitClient, zone: string, key: string): void {
  if (answering.destroyed || answering.writableFinished === true) {
    client.release(zone, key);
    return;
  }
  const target = ((answering as { stream?: Held }).stream ?? answering) as Held;
  target[kRelease] = { client, zone, key };
  target.once('close', release);
}

function release(this: Held): void {
  const held = this[kRelease];
  if (held === undefined) return;
  this[kRelease] = undefined;
  held.client.release(held.zone, held.key);
}
