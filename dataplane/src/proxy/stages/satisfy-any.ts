// nginx `satisfy any` (ingress-nginx `satisfy: any`): the access phase lets a request on as soon as
// one of its checks does — the address rules, auth_basic or auth_request — and skips the rest
// (ngx_http_core_access_phase). When every one refuses, 401 wins over 403, as nginx keeps
// access_code; an auth service that fails (500) answers at once. Built only for a route that has
// both address rules and authentication; otherwise each stage runs alone (`satisfy all`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type CompiledExternalAuth, checkExternalAuth } from '../../auth/external.ts';
import { authorized, type CompiledBasicAuth } from '../basic-auth.ts';
import { type CompiledClientAccess, clientAllowed } from '../client-access.ts';
import { authRequestOf } from '../external-auth.ts';
import type { ClientView } from '../forwarding.ts';
import { BasicAuthStage } from './basic-auth.ts';
import { settleExternalVerdict } from './external-auth.ts';
import { satisfiesAny } from './satisfy.ts';
import type { Refusal, Stage, StagedRoute } from './stage.ts';

class SatisfyAnyStage implements Stage {
  readonly refusal: Refusal;
  readonly upgrades = true;
  readonly #access: CompiledClientAccess;
  readonly #basic: CompiledBasicAuth | undefined;
  /** Answers the 401 challenge when every check refused. */
  readonly #challenge: BasicAuthStage | undefined;
  readonly #external: CompiledExternalAuth | undefined;

  constructor(route: StagedRoute) {
    this.#access = route.clientAccess as CompiledClientAccess;
    this.#basic = route.basicAuth;
    this.#challenge =
      route.basicAuth === undefined ? undefined : new BasicAuthStage(route.basicAuth, route.cors);
    this.#external = route.externalAuth;
    this.refusal = route.externalAuth !== undefined ? 'external_auth' : 'basic_auth';
  }

  check(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    client: ClientView,
    socket?: Duplex,
  ): number | Promise<number> {
    if (clientAllowed(this.#access, client.address)) return 0;
    if (this.#basic !== undefined && authorized(this.#basic, req.headers.authorization)) return 0;
    if (this.#external === undefined) return this.#challenge!.check(req, res, client, socket);
    return this.#askExternal(this.#external, req, res, client, socket);
  }

  async #askExternal(
    auth: CompiledExternalAuth,
    req: IncomingMessage,
    res: ServerResponse | undefined,
    client: ClientView,
    socket: Duplex | undefined,
  ): Promise<number> {
    const verdict = await checkExternalAuth(auth, authRequestOf(req, client), client);
    // auth_basic's 401 outranks auth_request's 403 (nginx keeps a 401 access_code).
    if (!verdict.allow && verdict.status === 403 && this.#challenge !== undefined) {
      if (res !== undefined && (res.destroyed || res.headersSent)) return 403;
      if (socket?.destroyed === true) return 403;
      return this.#challenge.check(req, res, client, socket);
    }
    return settleExternalVerdict(verdict, req, res, socket);
  }
}

export function satisfyAnyStage(route: StagedRoute): Stage | undefined {
  return satisfiesAny(route) ? new SatisfyAnyStage(route) : undefined;
}
