// One Ingress's supported annotations → IngressAnnotations. Invalid values are reported by
// AnnotationValues and their defaults apply; unknown and unsupported keys are read.ts's job.
import type { Diagnostic } from '../../snapshot.ts';
import type { IngressView } from '../lookup.ts';
import { parseAffinity } from './affinity.ts';
import {
  parseForwardedPrefix,
  parseRedirect,
  parseRewriteTarget,
  parseUpstreamVhost,
  parseUseRegex,
} from './routing.ts';
import type { IngressAnnotations } from './settings.ts';
import {
  parseBodySize,
  parseHashBy,
  parseLoadBalance,
  parseProtocol,
  parseRetry,
  parseTimeouts,
} from './upstream.ts';
import { AnnotationValues } from './values.ts';

export function parseAnnotations(
  ingress: IngressView,
  prefix: string,
  diagnostics: Diagnostic[],
): IngressAnnotations {
  const values = new AnnotationValues(ingress, prefix, diagnostics);
  const result: IngressAnnotations = { route: { filters: [] }, backend: {} };
  const { route, backend } = result;
  const timeouts = parseTimeouts(values);
  if (timeouts !== undefined) route.timeouts = timeouts;
  const retry = parseRetry(values);
  if (retry !== undefined) route.retry = retry;
  const body = parseBodySize(values);
  // nginx client_max_body_size 0 disables the check.
  if (body !== undefined && body > 0) route.maxRequestBodyBytes = body;
  // A redirect answers before anything is proxied, so the upstream rewrites are not needed with it.
  const redirect = parseRedirect(values);
  const vhost = parseUpstreamVhost(values);
  const prefixHeader = parseForwardedPrefix(values);
  if (redirect !== undefined) route.filters.push(redirect);
  else {
    if (prefixHeader !== undefined) route.filters.push(prefixHeader);
    if (vhost !== undefined) route.filters.push(vhost);
    const target = parseRewriteTarget(values);
    if (target !== undefined) route.rewriteTarget = target;
  }
  if (parseUseRegex(values)) route.useRegex = true;
  const protocol = parseProtocol(values);
  if (protocol !== undefined) backend.protocol = protocol;
  // ingress-nginx: cookie affinity takes the upstream over, then upstream-hash-by, then load-balance.
  const balancer = parseAffinity(values) ?? parseHashBy(values) ?? parseLoadBalance(values);
  if (balancer !== undefined) backend.balancer = balancer;
  return result;
}
