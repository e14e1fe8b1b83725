// What a compiled stage of a route's request path is: a check that runs before any upstream is
// picked and either lets the request go on (0) or answers it (a status). Declared apart from the
// stages and their runner, so compile.ts, the stages and the handler share one leaf file.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CompiledExternalAuth } from '../../auth/external.ts';
import type { CompiledRateLimit } from '../../limits/compile.ts';
import type { CompiledBasicAuth } from '../basic-auth.ts';
import type { CompiledClientAccess } from '../client-access.ts';
import type { CompiledClientCertificate } from '../client-certificate.ts';
import type { CompiledCors } from '../cors.ts';
import type { ClientView } from '../forwarding.ts';

/**
 * Why the proxy refused a request, a bounded metric label (gatehouse_requests_denied_total{reason})
 * and the access log's `denied` field: `client_address`, the route's clientAccess (403);
 * `basic_auth`, no valid credentials for the route's basicAuth (401); `external_auth`, the route's
 * auth-url did not answer 2xx (401, 403, 500); `rate_limit` and `connection_limit`, its limit-rps/-rpm
 * and limit-connections (503); `global_rate_limit`, its global-rate-limit (429); `client_certificate`,
 * the host's auth-tls-* (400, 403, the error page's 302, 503 without a usable CA).
 */
export type Refusal =
  | 'client_address'
  | 'basic_auth'
  | 'external_auth'
  | 'rate_limit'
  | 'connection_limit'
  | 'global_rate_limit'
  | 'client_certificate';

/** A stage's verdict: 0 lets the request go on; any other value is the status it was answered with. */
export type Verdict = number;

export interface Stage {
  /** Whether an upgrade handshake (WebSocket) meets this stage too; decided per stage at compile time. */
  readonly upgrades: boolean;
  /** Reported with answers of 400 and above; undefined for a stage whose answers are no refusal. */
  readonly refusal: Refusal | undefined;
  /**
   * The verdict for this request. Synchronous stages return a number and cost no Promise; only an
   * asynchronous one (external auth) returns a Promise, which the runner awaits then.
   * `res` is undefined for an upgrade handshake, which has `socket` instead: the runner answers on
   * it. A stage that answers with more than a status (a preflight's headers, a 401's challenge)
   * ends `res` or `socket` itself; the runner sees its headers sent (or the socket ended) and writes nothing more.
   */
  check(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    client: ClientView,
    socket?: Duplex,
  ): Verdict | Promise<Verdict>;
}

/** A route's stages, in order: those of its requests and those of its upgrade handshakes. */
export interface RouteStages {
  readonly stages: readonly Stage[];
  readonly upgradeStages: readonly Stage[];
}

/** The compiled route fields stages are built from (CompiledRoute has them). */
export interface StagedRoute {
  readonly maxRequestBodyBytes: number | undefined;
  readonly clientAccess: CompiledClientAccess | undefined;
  readonly cors: CompiledCors | undefined;
  readonly basicAuth: CompiledBasicAuth | undefined;
  readonly externalAuth: CompiledExternalAuth | undefined;
  readonly rateLimit: CompiledRateLimit | undefined;
  /** nginx `satisfy any`: the address rules or the authentication suffice (Route.satisfy). */
  readonly satisfyAny: boolean;
  /** The route's host's auth-tls-* settings (HostRoutes.clientCertificate). */
  readonly clientCertificate: CompiledClientCertificate | undefined;
}
