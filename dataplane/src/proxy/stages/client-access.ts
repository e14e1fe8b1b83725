// The access phase: allow/deny rules on the client address (ingress-nginx allowlist/denylist
// source ranges), answered 403 as nginx's access module does. Upgrades are refused alike.
import { type CompiledClientAccess, clientAllowed } from '../client-access.ts';
import type { ClientView } from '../forwarding.ts';
import { satisfiesAny } from './satisfy.ts';
import type { Refusal, Stage, StagedRoute } from './stage.ts';

class ClientAccessStage implements Stage {
  readonly refusal: Refusal = 'client_address';
  readonly upgrades = true;
  readonly #access: CompiledClientAccess;

  constructor(access: CompiledClientAccess) {
    this.#access = access;
  }

  check(_req: unknown, _res: unknown, client: ClientView): number {
    return clientAllowed(this.#access, client.address) ? 0 : 403;
  }
}

export function clientAccessStage(route: StagedRoute): Stage | undefined {
  return route.clientAccess === undefined || satisfiesAny(route)
    ? undefined
    : new ClientAccessStage(route.clientAccess);
}
