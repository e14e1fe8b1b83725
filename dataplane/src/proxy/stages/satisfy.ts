// Which routes take nginx `satisfy any` (satisfy-any.ts): a leaf, so the single stages it replaces
// can ask too without an import circle.
import type { StagedRoute } from './stage.ts';

/** Whether the route's address rules and its authentication are one `satisfy any` stage. */
export function satisfiesAny(route: StagedRoute): boolean {
  return (
    route.satisfyAny &&
    route.clientAccess !== undefined &&
    (route.basicAuth !== undefined || route.externalAuth !== undefined)
  );
}
