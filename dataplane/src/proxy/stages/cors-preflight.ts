// A CORS preflight (OPTIONS with Access-Control-Request-Method) answered 204 by the proxy, as
// ingress-nginx's enable-cors does. Never for upgrades: a handshake is a GET, not a preflight.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answeredPreflight, type CompiledCors } from '../cors.ts';
import type { Stage, StagedRoute } from './stage.ts';

class CorsPreflightStage implements Stage {
  readonly refusal = undefined;
  readonly upgrades = false;
  readonly #cors: CompiledCors;

  constructor(cors: CompiledCors) {
    this.#cors = cors;
  }

  check(req: IncomingMessage, res: ServerResponse | undefined): number {
    return res !== undefined && answeredPreflight(req, res, this.#cors) ? 204 : 0;
  }
}

export function corsPreflightStage(route: StagedRoute): Stage | undefined {
  return route.cors === undefined ? undefined : new CorsPreflightStage(route.cors);
}
