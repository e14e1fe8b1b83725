// nginx's auth_basic (ingress-nginx auth-type: basic), in the access phase after the address rules
// and the CORS preflight: a request without valid credentials gets 401 and the route's challenge.
// Upgrades are challenged alike (a WebSocket handshake carries Authorization as any GET).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answer, challengeRaw } from '../answers.ts';
import { authorized, type CompiledBasicAuth } from '../basic-auth.ts';
import { addCorsHeaders, type CompiledCors } from '../cors.ts';
import type { ClientView } from '../forwarding.ts';
import { satisfiesAny } from './satisfy.ts';
import type { Refusal, Stage, StagedRoute } from './stage.ts';

export class BasicAuthStage implements Stage {
  readonly refusal: Refusal = 'basic_auth';
  readonly upgrades = true;
  readonly #auth: CompiledBasicAuth;
  readonly #cors: CompiledCors | undefined;

  constructor(auth: CompiledBasicAuth, cors: CompiledCors | undefined) {
    this.#auth = auth;
    this.#cors = cors;
  }

  check(req: IncomingMessage, res: ServerResponse | undefined, _client: ClientView, socket?: Duplex): number {
    if (authorized(this.#auth, req.headers.authorization)) return 0;
    if (res !== undefined) {
      // nginx.tmpl's CORS headers are `always`: a 401 carries them too (e2e annotations/auth.go).
      const headers: Record<string, string> = { 'www-authenticate': this.#auth.challenge };
      if (this.#cors !== undefined) addCorsHeaders(headers, this.#cors, req.headers);
      answer(res, 401, headers);
    } else if (socket !== undefined) challengeRaw(socket, this.#auth.challenge);
    return 401;
  }
}

export function basicAuthStage(route: StagedRoute): Stage | undefined {
  return route.basicAuth === undefined || satisfiesAny(route)
    ? undefined
    : new BasicAuthStage(route.basicAuth, route.cors);
}
