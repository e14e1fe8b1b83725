// nginx's auth_request (ingress-nginx auth-url), the one asynchronous stage: the auth service is
// asked (or its cached answer used) before the request goes upstream; a 2xx lets it on, carrying
// the auth answer's headers for the upstream request and its cookies for the client's answer.
// nginx asks before proxying a WebSocket handshake too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type AuthVerdict, type CompiledExternalAuth, checkExternalAuth } from '../../auth/external.ts';
import { answerRawWith } from '../answers.ts';
import { answerAuthDenied, authRequestOf } from '../external-auth.ts';
import type { ClientView } from '../forwarding.ts';
import { satisfiesAny } from './satisfy.ts';
import type { Refusal, Stage, StagedRoute } from './stage.ts';

/** What a 2xx from the auth service hands on to the rest of the request. */
export type AuthGrant = Extract<AuthVerdict, { allow: true }>;

const kGrant = Symbol('gatehouse.authGrant');
type GrantedRequest = IncomingMessage & { [kGrant]?: AuthGrant };

/** The grant the auth stage left on this request; undefined on routes without auth-url. */
export function authGrantOf(req: IncomingMessage): AuthGrant | undefined {
  return (req as GrantedRequest)[kGrant];
}

class ExternalAuthStage implements Stage {
  readonly refusal: Refusal = 'external_auth';
  readonly upgrades = true;
  readonly #auth: CompiledExternalAuth;

  constructor(auth: CompiledExternalAuth) {
    this.#auth = auth;
  }

  async check(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    client: ClientView,
    socket?: Duplex,
  ): Promise<number> {
    const verdict = await checkExternalAuth(this.#auth, authRequestOf(req, client), client);
    return settleExternalVerdict(verdict, req, res, socket);
  }
}

/** A 2xx leaves its grant on the request (0); anything else is answered as auth_request does. */
export function settleExternalVerdict(
  verdict: AuthVerdict,
  req: IncomingMessage,
  res: ServerResponse | undefined,
  socket: Duplex | undefined,
): number {
  if (verdict.allow) {
    (req as GrantedRequest)[kGrant] = verdict;
    return 0;
  }
  // The client may have gone while the auth service was asked: the runner reports that.
  if (res !== undefined) {
    if (!res.destroyed && !res.headersSent) answerAuthDenied(res, verdict.status, verdict.headers);
  } else if (socket !== undefined && !socket.destroyed)
    answerRawWith(socket, verdict.status, verdict.headers);
  return verdict.status;
}

export function externalAuthStage(route: StagedRoute): Stage | undefined {
  return route.externalAuth === undefined || satisfiesAny(route)
    ? undefined
    : new ExternalAuthStage(route.externalAuth);
}
