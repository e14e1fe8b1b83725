// Every annotation ingress-nginx v1.15 reads, keyed without its prefix. One entry per key: the
// catalog test holds it to the documented list in testdata/ingress-nginx-v1.15-annotations.txt.
import { basicAuth, clientCertificates, externalAuth, globalAuth, satisfy } from './access.ts';
import { affinity } from './affinity.ts';
import { canary } from './canary.ts';
import { rateLimits, sourceRanges } from './limits.ts';
import { hostsAndHeaders, redirects, rewrites } from './routing.ts';
import { buffering, cors, modsecurity, snippets, tlsAndLogs } from './server.ts';
import type { AnnotationEntry } from './types.ts';
import { backendTls, balancing, errorsAndMirrors, timeouts } from './upstream.ts';

export const CATALOG: readonly AnnotationEntry[] = [
  ...basicAuth,
  ...externalAuth,
  ...globalAuth,
  ...clientCertificates,
  ...satisfy,
  ...sourceRanges,
  ...rateLimits,
  ...rewrites,
  ...redirects,
  ...hostsAndHeaders,
  ...canary,
  ...affinity,
  ...balancing,
  ...timeouts,
  ...errorsAndMirrors,
  ...backendTls,
  ...cors,
  ...buffering,
  ...tlsAndLogs,
  ...modsecurity,
  ...snippets,
];

const byKey = new Map(CATALOG.map((e) => [e.key, e]));

export function catalogEntry(key: string): AnnotationEntry | undefined {
  return byKey.get(key);
}

/** Whether `value` of a restricting key still restricts: an empty value or a documented "off" does not. */
export function restricts(entry: AnnotationEntry, value: string): boolean {
  if (!entry.restrictsAccess) return false;
  const v = value.trim().toLowerCase();
  return v !== '' && !(entry.unrestrictedValues ?? []).includes(v);
}
