// One Ingress's supported annotations → IngressAnnotations. Invalid values are reported by
// AnnotationValues and their defaults apply; unknown and unsupported keys are read.ts's job.
import type { Diagnostic } from '../../snapshot.ts';
import type { IngressView } from '../lookup.ts';
import { parseAffinity, parseCanaryAffinity } from './affinity.ts';
import { parseBasicAuth } from './basic-auth.ts';
import { parseClientCertificate } from './client-certificates.ts';
import { parseCors } from './cors.ts';
import { parseCustomHeaders } from './custom-headers.ts';
import { parseErrorPages } from './error-pages.ts';
import { parseExternalAuth } from './external-auth.ts';
import { parseGlobalRateLimit } from './global-rate-limit.ts';
import { parseAppRoot, parseFromToWww, parseServerAlias } from './host-names.ts';
import { parseMirror } from './mirror.ts';
import { parseProxySsl } from './proxy-ssl.ts';
import { parseRateLimits } from './rate-limits.ts';
import { parseResponseRewrites } from './response-rewrites.ts';
import {
  parseForwardedPrefix,
  parseHttpsRedirect,
  parseRedirect,
  parseRedirectForm,
  parseRewriteTarget,
  parseUpstreamVhost,
  parseUseRegex,
} from './routing.ts';
import { parseSatisfy } from './satisfy.ts';
import type { IngressAnnotations } from './settings.ts';
import { readSnippets } from './snippet/annotation.ts';
import { parseSourceRanges } from './source-ranges.ts';
import { type CipherListCheck, parseListenerSettings } from './tls-listener.ts';
import {
  parseBodySize,
  parseHashBy,
  parseLoadBalance,
  parseProtocol,
  parseRetry,
  parseServiceUpstream,
  parseTimeouts,
  validateConnection,
} from './upstream.ts';
import { AnnotationValues } from './values.ts';

export function parseAnnotations(
  ingress: IngressView,
  prefix: string,
  diagnostics: Diagnostic[],
  checkCiphers?: CipherListCheck,
  /** --allow-snippet-annotations: snippets are translated; off, read.ts reports them ignored. */
  allowSnippets = false,
): IngressAnnotations {
  const values = new AnnotationValues(ingress, prefix, diagnostics);
  const result: IngressAnnotations = { route: { filters: [] }, backend: {}, canary: { behavior: 'sticky' } };
  const { route, backend } = result;
  const timeouts = parseTimeouts(values);
  if (timeouts !== undefined) route.timeouts = timeouts;
  const retry = parseRetry(values);
  if (retry !== undefined) route.retry = retry;
  const body = parseBodySize(values);
  // nginx client_max_body_size 0 disables the check.
  if (body !== undefined && body > 0) route.maxRequestBodyBytes = body;
  const httpsRedirect = parseHttpsRedirect(values);
  if (httpsRedirect !== undefined) route.httpsRedirect = httpsRedirect;
  const form = parseRedirectForm(values);
  route.httpsRedirectForm = form.https;
  // A redirect answers before anything is proxied, so the upstream rewrites are not needed with it.
  const redirect = parseRedirect(values, form);
  const vhost = parseUpstreamVhost(values);
  const prefixHeader = parseForwardedPrefix(values);
  if (redirect !== undefined) route.filters.push(redirect);
  else {
    if (prefixHeader !== undefined) route.filters.push(prefixHeader);
    if (vhost !== undefined) route.filters.push(vhost);
    const target = parseRewriteTarget(values);
    if (target !== undefined) route.rewriteTarget = target;
  }
  const mirror = parseMirror(values, ingress.namespace);
  if (mirror !== undefined) route.mirror = mirror;
  if (parseUseRegex(values)) route.useRegex = true;
  const responseRewrites = parseResponseRewrites(values);
  if (responseRewrites !== undefined) route.responseRewrites = responseRewrites;
  const ranges = parseSourceRanges(values);
  if (ranges.kind === 'rules') route.clientAccess = ranges.access;
  else if (ranges.kind === 'denied') result.denied = [...(result.denied ?? []), 'source-range'];
  const satisfy = parseSatisfy(values);
  if (satisfy !== undefined) route.satisfy = satisfy;
  const basicAuth = parseBasicAuth(values, ingress.namespace);
  if (basicAuth?.kind === 'denied') result.denied = [...(result.denied ?? []), 'auth'];
  else if (basicAuth !== undefined) result.basicAuth = basicAuth;
  const clientCertificate = parseClientCertificate(values, ingress.namespace);
  if (clientCertificate === 'denied') result.denied = [...(result.denied ?? []), 'auth-tls'];
  else if (clientCertificate !== undefined) result.clientCertificate = clientCertificate;
  const externalAuth = parseExternalAuth(values, ingress.namespace);
  if (externalAuth === 'denied') result.denied = [...(result.denied ?? []), 'auth-url'];
  else if (externalAuth !== undefined) route.externalAuthSpec = externalAuth;
  const cors = parseCors(values);
  if (cors !== undefined) route.cors = cors;
  const limits = parseRateLimits(values, `${ingress.namespace}/${ingress.name}`);
  if (limits.kind === 'limit') route.rateLimit = limits.limit;
  else if (limits.kind === 'denied') result.denied = [...(result.denied ?? []), 'rate-limit'];
  const global = parseGlobalRateLimit(values, `${ingress.namespace}/${ingress.name}`);
  if (global.kind === 'limit') route.globalRateLimit = global.limit;
  else if (global.kind === 'denied') result.denied = [...(result.denied ?? []), 'global-rate-limit'];
  const errorPages = parseErrorPages(values);
  if (errorPages !== undefined) route.errorPages = errorPages;
  const protocol = parseProtocol(values);
  if (protocol !== undefined) backend.protocol = protocol;
  // ingress-nginx: cookie affinity takes the upstream over, then upstream-hash-by, then load-balance.
  const affinity = parseAffinity(values);
  const withoutAffinity = parseHashBy(values) ?? parseLoadBalance(values);
  const balancer = affinity ?? withoutAffinity;
  if (balancer !== undefined) backend.balancer = balancer;
  result.canary = { behavior: parseCanaryAffinity(values) };
  if (withoutAffinity !== undefined) result.canary.withoutAffinity = withoutAffinity;
  const proxySsl = parseProxySsl(values, ingress.namespace);
  if (proxySsl !== undefined) result.proxySsl = proxySsl;
  const customHeaders = parseCustomHeaders(values, ingress.namespace);
  if (customHeaders !== undefined) result.customHeaders = customHeaders;
  if (parseServiceUpstream(values)) backend.serviceUpstream = true;
  validateConnection(values);
  // enable-access-log (log/main.go, default true): "false" leaves the Ingress's requests out of the log.
  if (values.boolean('enable-access-log') === false) route.accessLog = false;
  const listener = parseListenerSettings(values, checkCiphers);
  if (listener !== undefined) result.listener = listener;
  if (allowSnippets) {
    const snippets = readSnippets(ingress, prefix, diagnostics);
    if (snippets.configuration !== undefined) route.snippet = snippets.configuration;
    if (snippets.server !== undefined) result.serverSnippet = snippets.server;
    if (snippets.closed) result.closed = true;
  }
  const appRoot = parseAppRoot(values);
  const fromToWww = parseFromToWww(values);
  const aliases = parseServerAlias(values);
  if (appRoot !== undefined || fromToWww || aliases !== undefined) {
    result.host = {};
    if (appRoot !== undefined) result.host.appRoot = appRoot;
    if (fromToWww) result.host.fromToWww = true;
    if (aliases !== undefined) result.host.aliases = aliases;
  }
  return result;
}
