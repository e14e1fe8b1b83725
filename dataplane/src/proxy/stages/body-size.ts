// client_max_body_size on a declared Content-Length: answered 413 before anything else of the
// route runs, as nginx checks it when it finds the location. A body without a length is
// counted as it streams (request-body.ts); an upgrade handshake carries no body.
import type { IncomingMessage } from 'node:http';
import type { Stage, StagedRoute } from './stage.ts';

class BodySizeStage implements Stage {
  readonly refusal = undefined;
  readonly upgrades = false;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  check(req: IncomingMessage): number {
    return Number(req.headers['content-length'] ?? 0) > this.#max ? 413 : 0;
  }
}

export function bodySizeStage(route: StagedRoute): Stage | undefined {
  return route.maxRequestBodyBytes === undefined ? undefined : new BodySizeStage(route.maxRequestBodyBytes);
}
