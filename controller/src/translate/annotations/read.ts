// An Ingress's annotations under `--annotations-prefix`, checked against the catalog. Nothing is
// silently ignored: an unknown key and a key Gatehouse does not honour are reported, and a key that
// restricts access and is not honoured closes the Ingress (its routes answer 503).
import type { Diagnostic } from '../../snapshot.ts';
import { ingressObject } from '../diagnostics.ts';
import { compareText } from '../guard.ts';
import type { IngressView } from '../lookup.ts';
import { keptOnCanary } from './canary.ts';
import { catalogEntry, restricts } from './catalog.ts';
import { ignoreSnippet, isSnippetKey } from './snippet/annotation.ts';

export const DEFAULT_ANNOTATIONS_PREFIX = 'nginx.ingress.kubernetes.io';

/**
 * Returns the restricting keys (without prefix) Gatehouse does not honour; empty: serve the Ingress.
 * On a canary Ingress, keys ingress-nginx ignores there are reported as ignored and close nothing:
 * the main Ingress's annotations govern the canary's traffic.
 */
export function readAnnotations(
  ingress: IngressView,
  prefix: string,
  diagnostics: Diagnostic[],
  isCanary = false,
  /** --allow-snippet-annotations; off, snippets are ignored and one with allow/deny closes the Ingress. */
  allowSnippets = false,
): string[] {
  const object = ingressObject(ingress.namespace, ingress.name);
  const lead = `${prefix}/`;
  const closing: string[] = [];
  for (const name of Object.keys(ingress.annotations).sort(compareText)) {
    if (!name.startsWith(lead)) continue;
    const key = name.slice(lead.length);
    const raw = ingress.annotations[name];
    // The sources keep annotations as strings; anything else is treated as a value that is set.
    const value = typeof raw === 'string' ? raw : String(raw);
    const field = `metadata.annotations["${name}"]`;
    const entry = catalogEntry(key);
    if (entry === undefined) {
      diagnostics.push({
        object,
        field,
        reason: 'UnknownAnnotation',
        message: `"${name}" is not an ingress-nginx annotation Gatehouse knows; it is ignored`,
      });
      continue;
    }
    if (isCanary && !keptOnCanary(key)) {
      diagnostics.push({
        object,
        field,
        reason: 'CanaryAnnotationIgnored',
        message: `"${name}" is ignored on a canary Ingress: the main Ingress's annotations apply to its traffic`,
      });
      continue;
    }
    if (isSnippetKey(key) && !allowSnippets) {
      if (ignoreSnippet(ingress, prefix, key, diagnostics)) closing.push(key);
      continue;
    }
    if (entry.status === 'supported' || entry.status === 'difference') continue;
    diagnostics.push({
      object,
      field,
      reason: 'UnsupportedAnnotation',
      message: `"${name}" is ${entry.status === 'refused' ? 'refused' : 'not supported yet'}: ${entry.note}`,
    });
    if (restricts(entry, value)) closing.push(key);
  }
  if (closing.length > 0) {
    diagnostics.push({
      object,
      field: 'metadata.annotations',
      reason: 'AccessAnnotationNotHonoured',
      message:
        `${closing.map((k) => `${prefix}/${k}`).join(', ')} restrict${closing.length === 1 ? 's' : ''} access ` +
        'and Gatehouse cannot honour it yet, so every route of this Ingress answers 503 until the annotation is removed',
    });
  }
  return closing;
}
