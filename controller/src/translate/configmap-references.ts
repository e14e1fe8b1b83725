// Which ConfigMaps translation reads: those a custom-headers annotation of our Ingresses names in
// the Ingress's own namespace (annotations/custom-headers.ts denies any other). Cluster mode
// watches these and only these, each by name, as it does referenced Secrets (secret-references.ts).
import { DEFAULT_ANNOTATIONS_PREFIX } from './annotations/read.ts';
import { isSecretName } from './certificates.ts';
import { isOurs } from './classes.ts';
import { indexSnapshot, objectKey } from './lookup.ts';
import type { ReferenceOptions, ReferencingObjects } from './secret-references.ts';

/** `namespace/name` of every ConfigMap translation would read, oldest Ingress first (a cap keeps those). */
export function referencedConfigMaps(objects: ReferencingObjects, options: ReferenceOptions): Set<string> {
  const index = indexSnapshot({ ...objects, services: [], endpointSlices: [], secrets: [] });
  const key = `${options.annotationsPrefix ?? DEFAULT_ANNOTATIONS_PREFIX}/custom-headers`;
  const keys = new Set<string>();
  for (const ingress of index.ingresses) {
    if (!isOurs(ingress, index.ingressClasses, options)) continue;
    const value = ingress.annotations[key];
    if (typeof value !== 'string') continue;
    const parts = value.trim().split('/');
    // A ConfigMap's name is a DNS-1123 subdomain, as a Secret's: nothing else reaches a field selector.
    if (parts.length === 2 && parts[0] === ingress.namespace && isSecretName(parts[1]))
      keys.add(objectKey(ingress.namespace, parts[1]));
  }
  return keys;
}
