// Request mirroring (Gateway API RequestMirror; ingress-nginx `mirror-target`, nginx's
// ngx_http_mirror_module): each request of a route is also sent, fire and forget, to one endpoint
// of the mirror backend, shaped as the request sent upstream. Its response is read and dropped.
//
// Unlike nginx, where "a slow mirror backend throttles the original request" (ingress-nginx docs,
// Mirror), the main exchange never waits on a copy: the copy's body is fed as the client's body is
// read, and a copy that falls more than MIRROR_BODY_BUFFER_BYTES behind is aborted. Every copy's
// outcome is counted (gatehouse_mirror_requests_total); none reaches the client.
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { MirrorOutcome } from '../metrics/labels.ts';
import type { CounterSeries } from '../metrics/series.ts';
import type { RequestMirrorFilter, Route } from '../table/types.ts';
import { type CompiledBackend, pickEndpoint, type UpstreamEndpoint } from '../upstream/balancer.ts';
import type { PickClient } from '../upstream/choice.ts';
import { interimOverdue, interimTimeout } from '../upstream/interim.ts';
import { POOLED_SERVERNAME } from '../upstream/pools.ts';
import type { BodyTap, GuardedBody } from './body-guard.ts';

/** Body bytes a copy may hold unsent (its mirror slower than the client): beyond, it is aborted. */
export const MIRROR_BODY_BUFFER_BYTES = 1024 * 1024;
/**
 * Copies in flight per worker; more are not sent (outcome `overflow`). With the body bound, a
 * worker holds at most 256 MiB for mirrors slower than their clients, and 256 sockets to them.
 */
export const MIRRORS_IN_FLIGHT_MAX = 256;

/** Error code of a copy aborted because its mirror fell behind the client's body. */
export const MIRROR_BODY_OVERFLOW = 'GATEHOUSE_MIRROR_BODY_OVERFLOW';
/** Error code of a copy aborted because the client's body will not be whole. */
export const MIRROR_CANCELLED = 'GATEHOUSE_MIRROR_CANCELLED';

const OVERFLOW = Object.assign(new Error(`mirror fell ${MIRROR_BODY_BUFFER_BYTES} body bytes behind`), {
  code: MIRROR_BODY_OVERFLOW,
});
const CANCELLED = Object.assign(new Error('client request body cut off'), { code: MIRROR_CANCELLED });

/** A route's RequestMirror filter, resolved at compile time. */
export interface CompiledMirror {
  readonly backend: CompiledBackend;
  readonly body: boolean;
  readonly hostname: string | undefined;
  /** Metric series, one per outcome, bound by the first count (metrics/index.ts). */
  counters: CounterSeries[] | undefined;
}

export function compileMirror(filter: RequestMirrorFilter, backend: CompiledBackend): CompiledMirror {
  return { backend, body: filter.body ?? true, hostname: filter.hostname, counters: undefined };
}

let inFlight = 0;

/** Copies in flight in this worker (for tests and the bound above). */
export function mirrorsInFlight(): number {
  return inFlight;
}

/**
 * The copy's headers: those sent upstream (forwarding headers and Via included), with the
 * mirror's Host, and without the framing of a body it does not carry (nginx computes Content-Length
 * from the body it sends: none with mirror_request_body off).
 */
export function mirrorHeaders(headers: string[], mirror: CompiledMirror): string[] {
  const hostname = mirror.hostname;
  // undici reads the list when the request is dispatched and keeps none of it: shared as it is.
  if (hostname === undefined && mirror.body) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i].toLowerCase();
    if (hostname !== undefined && name === 'host') continue;
    if (!mirror.body && (name === 'content-length' || name === 'transfer-encoding')) continue;
    out.push(headers[i], headers[i + 1]);
  }
  if (hostname !== undefined) out.push('host', hostname);
  return out;
}

/** What a copy needs of its compiled route (CompiledRoute has it; mirror.ts stays below compile.ts). */
export interface MirroredRoute {
  readonly route: Route;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

/** Where each copy's outcome is reported (the worker's metrics), passed in rather than imported. */
export interface MirrorObserver {
  onMirror(route: Route, mirror: CompiledMirror, outcome: MirrorOutcome): void;
}

/**
 * Sends a copy of the request to each mirror of the route. `body`: the main request's body stage,
 * or null; copies that carry the body are fed from it as it is read.
 */
export function sendMirrors(
  route: MirroredRoute,
  mirrors: readonly CompiledMirror[],
  observer: MirrorObserver,
  method: string,
  path: string,
  headers: string[],
  requestHeaders: IncomingHttpHeaders,
  client: PickClient,
  body: GuardedBody | null,
): void {
  for (const mirror of mirrors) {
    if (inFlight >= MIRRORS_IN_FLIGHT_MAX) {
      observer.onMirror(route.route, mirror, 'overflow');
      continue;
    }
    const endpoint = pickEndpoint(mirror.backend, requestHeaders, client);
    if (endpoint === undefined) {
      observer.onMirror(route.route, mirror, 'no_endpoint');
      continue;
    }
    let copyBody: MirrorBody | null = null;
    if (mirror.body && body !== null) {
      copyBody = new MirrorBody(body.tap);
      body.tap = copyBody;
    }
    const copy = new MirrorRequest(route.route, route.headersTimeoutMs, mirror, endpoint, observer);
    inFlight++;
    endpoint.health.active++;
    const options = {
      path,
      method,
      headers: mirrorHeaders(headers, mirror),
      body: copyBody,
      headersTimeout: route.headersTimeoutMs,
      bodyTimeout: route.bodyTimeoutMs,
      // undici's request option (missing from its types); see POOLED_SERVERNAME.
      servername: POOLED_SERVERNAME,
    };
    endpoint.pool.dispatch(options, copy);
  }
}

/**
 * The body of one copy: chunks are pushed as the client's body is read, never pulled, so a mirror
 * slower than the client makes it grow; past MIRROR_BODY_BUFFER_BYTES the copy is aborted. Copies
 * of one request form a chain, the first one the body stage's tap.
 */
class MirrorBody extends Readable implements BodyTap {
  readonly #next: BodyTap | undefined;

  constructor(next: BodyTap | undefined) {
    super();
    this.#next = next;
    // undici reports a failed body through the copy's handler; one unheard here must not end the worker.
    this.on('error', ignoreError);
  }

  override _read(): void {}

  chunk(chunk: Buffer): void {
    if (!this.destroyed) {
      this.push(chunk);
      if (this.readableLength > MIRROR_BODY_BUFFER_BYTES) this.destroy(OVERFLOW);
    }
    this.#next?.chunk(chunk);
  }

  end(): void {
    if (!this.destroyed) this.push(null);
    this.#next?.end();
  }

  cut(): void {
    if (!this.destroyed) this.destroy(CANCELLED);
    this.#next?.cut();
  }
}

/** One copy upstream: the response is read and dropped, the outcome counted. */
class MirrorRequest implements Dispatcher.DispatchHandler {
  readonly #route: Route;
  readonly #headersTimeoutMs: number;
  readonly #mirror: CompiledMirror;
  readonly #endpoint: UpstreamEndpoint;
  readonly #observer: MirrorObserver;
  #done = false;
  interimSince = 0;

  constructor(
    route: Route,
    headersTimeoutMs: number,
    mirror: CompiledMirror,
    endpoint: UpstreamEndpoint,
    observer: MirrorObserver,
  ) {
    this.#route = route;
    this.#headersTimeoutMs = headersTimeoutMs;
    this.#mirror = mirror;
    this.#endpoint = endpoint;
    this.#observer = observer;
  }

  onRequestStart(): void {}
  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number): void {
    // A copy waiting on 1xx forever would hold one of the MIRRORS_IN_FLIGHT_MAX slots.
    if (statusCode < 200 && interimOverdue(this, performance.now(), this.#headersTimeoutMs))
      controller.abort(interimTimeout());
  }
  onResponseData(): void {}

  onResponseEnd(): void {
    this.#end('answered');
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#end(mirrorOutcome(error));
  }

  #end(outcome: MirrorOutcome): void {
    if (this.#done) return;
    this.#done = true;
    inFlight--;
    this.#endpoint.health.active--;
    this.#observer.onMirror(this.#route, this.#mirror, outcome);
  }
}

/** The outcome label of a failed copy: aborted by the proxy's own bounds, or the mirror's failure. */
export function mirrorOutcome(error: Error & { code?: string }): MirrorOutcome {
  if (error.code === MIRROR_BODY_OVERFLOW) return 'overflow';
  if (error.code === MIRROR_CANCELLED) return 'cancelled';
  return 'error';
}

function ignoreError(): void {}
