// The route's checks that answer before any upstream is picked, in nginx's order for a location:
// the access rules on the client address (403), then the CORS preflight (204). Routes with neither
// never call in (handler.ts); issue 27 makes these stages of a compiled pipeline.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledRoute } from '../compile.ts';
import { clientAllowed } from './client-access.ts';
import { answeredPreflight } from './cors.ts';
import { answerRequest } from './grpc.ts';

/**
 * Why the proxy refused a request, a bounded label: `client_address`, the route's clientAccess
 * (403); `rate_limit` and `connection_limit`, its rateLimit (503), `global_rate_limit` (429; limits/gate.ts).
 */
export type Refusal = 'client_address' | 'rate_limit' | 'connection_limit' | 'global_rate_limit';

/** The status the gate answered with, or 0 when the request goes on upstream. */
export function answeredAtGate(
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute,
  clientAddress: string,
): number {
  if (route.clientAccess !== undefined && !clientAllowed(route.clientAccess, clientAddress)) {
    answerRequest(res, 403);
    return 403;
  }
  if (route.cors !== undefined && answeredPreflight(req, res, route.cors)) return 204;
  return 0;
}

/** The refusal an answer of the gate stands for. */
export function refusalOf(status: number): Refusal | undefined {
  return status === 403 ? 'client_address' : undefined;
}
