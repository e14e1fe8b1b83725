// The seam between the proxy and whoever watches it (metrics, access log): declared here, on the
// proxy's side, and implemented in dataplane/src/metrics/; the worker passes the observer in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledRoute } from '../compile.ts';
import type { CompiledBackend, UpstreamEndpoint } from '../upstream/types.ts';
import type { ClientView } from './forwarding.ts';
import type { Refusal } from './stages/stage.ts';

/** What a finished exchange reports: the seam for metrics and access logs (dataplane/src/metrics/). */
export interface ExchangeObserver {
  /** Share of requests the observer records in full (access log): the `sampled` flag of new traces. */
  readonly sampleRate: number;
  /** Called once per exchange, synchronously: read `end`, never keep it (own answers reuse one record). */
  onExchangeEnd(end: ExchangeEnd): void;
}

/** A finished exchange as observers see it. Times are performance.now(); 0 where they do not apply. */
export interface ExchangeEnd {
  readonly req: IncomingMessage;
  /** Undefined for upgrades, answered on the raw socket. */
  readonly res: ServerResponse | undefined;
  readonly route: CompiledRoute | undefined;
  readonly backend: CompiledBackend | undefined;
  readonly endpoint: UpstreamEndpoint | undefined;
  readonly status: number;
  readonly startedAt: number;
  readonly upstreamStartedAt: number;
  readonly upstreamEndedAt: number;
  /** What the proxy believed about the client; only for forwarded requests. */
  readonly view: ClientView | undefined;
  readonly traceparent: string | undefined;
  readonly error: Error | undefined;
  /** Which stage refused the request (proxy/stages/, a bounded metric label); undefined when none did. */
  readonly refusal: Refusal | undefined;
}
