// The route's checks that answer before any upstream is picked, in nginx's order for a location:
// the access rules on the client address (403), the CORS preflight (204), then auth_basic (401).
// Routes with none never call in (handler.ts); issue 27 makes these stages of a compiled pipeline.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledRoute } from '../compile.ts';
import { answer } from './answers.ts';
import { authorized } from './basic-auth.ts';
import { clientAllowed } from './client-access.ts';
import { addCorsHeaders, answeredPreflight } from './cors.ts';
import { answerRequest } from './grpc.ts';

/**
 * Why the proxy refused a request, a bounded label: `client_address`, the route's clientAccess
 * (403); `basic_auth`, no valid credentials for the route's basicAuth (401).
 */
export type Refusal = 'client_address' | 'basic_auth';

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
  if (route.basicAuth !== undefined && !authorized(route.basicAuth, req.headers.authorization)) {
    // nginx.tmpl's CORS headers are `always`: a 401 carries them too (e2e annotations/auth.go).
    const headers: Record<string, string> = { 'www-authenticate': route.basicAuth.challenge };
    if (route.cors !== undefined) addCorsHeaders(headers, route.cors, req.headers);
    answer(res, 401, headers);
    return 401;
  }
  return 0;
}

/** The refusal an answer of the gate stands for. */
export function refusalOf(status: number): Refusal | undefined {
  if (status === 403) return 'client_address';
  return status === 401 ? 'basic_auth' : undefined;
}
