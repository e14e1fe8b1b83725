// A route's stages, chosen once per table from its compiled fields, in nginx's phase order.
// A new stage is one line in STAGE_BUILDERS (and its compiled field on StagedRoute).
import { basicAuthStage } from './basic-auth.ts';
import { bodySizeStage } from './body-size.ts';
import { clientAccessStage } from './client-access.ts';
import { clientCertificateStage } from './client-certificate.ts';
import { corsPreflightStage } from './cors-preflight.ts';
import { externalAuthStage } from './external-auth.ts';
import { connectionStage, globalRateStage, requestRateStage } from './rate-limit.ts';
import { satisfyAnyStage } from './satisfy-any.ts';
import type { RouteStages, Stage, StagedRoute } from './stage.ts';

/** Each returns the route's stage, or undefined when the route has nothing for it to do. */
type StageBuilder = (route: StagedRoute) => Stage | undefined;

/**
 * The order requests meet them. The rewrite phase's answers (redirects, DirectResponse) come
 * first, in the router and handler; then these. Rate limits (nginx's preaccess phase) go before
 * clientAccessStage; basic and external auth (access phase, `satisfy`) after it.
 */
const STAGE_BUILDERS: readonly StageBuilder[] = [
  // nginx judges the client certificate while reading the request (ngx_http_process_request).
  clientCertificateStage,
  bodySizeStage,
  requestRateStage,
  connectionStage,
  globalRateStage,
  clientAccessStage,
  corsPreflightStage,
  basicAuthStage,
  externalAuthStage,
  // satisfy any: the address rules and the auth above, as one stage in the auth's place.
  satisfyAnyStage,
];

/** Shared by every route without stages: such a route allocates nothing and runs nothing. */
const NO_STAGES: readonly Stage[] = Object.freeze([]);
export const NO_ROUTE_STAGES: RouteStages = { stages: NO_STAGES, upgradeStages: NO_STAGES };

export function compileStages(route: StagedRoute): RouteStages {
  let stages: Stage[] | undefined;
  for (const build of STAGE_BUILDERS) {
    const stage = build(route);
    if (stage === undefined) continue;
    stages ??= [];
    stages.push(stage);
  }
  if (stages === undefined) return NO_ROUTE_STAGES;
  const upgradeStages = stages.filter((s) => s.upgrades);
  return { stages, upgradeStages: upgradeStages.length === 0 ? NO_STAGES : upgradeStages };
}
