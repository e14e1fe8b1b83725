// The kinds the watch layer lists and watches, and where each lives in the API.
import type { AnyObject, Snapshot } from '../../snapshot.ts';
import {
  stripEndpointSlice,
  stripIngress,
  stripIngressClass,
  stripSecret,
  stripService,
  TLS_SECRET_TYPE,
} from './strip.ts';
import type { Query } from './transport.ts';

/** A kind is named by its field in the Snapshot. */
export type KindName = keyof Snapshot;

export interface KindSpec {
  name: KindName;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  plural: string;
  namespaced: boolean;
  /** Server-side filter on LIST and WATCH alike. */
  fieldSelector?: string;
  /** Reduces an API object to what translation reads; undefined means "not ours" (never cached). */
  strip(raw: unknown): AnyObject | undefined;
}

export const KINDS: readonly KindSpec[] = [
  {
    name: 'ingresses',
    prefix: '/apis/networking.k8s.io/v1',
    plural: 'ingresses',
    namespaced: true,
    strip: stripIngress,
  },
  {
    name: 'ingressClasses',
    prefix: '/apis/networking.k8s.io/v1',
    plural: 'ingressclasses',
    namespaced: false,
    strip: stripIngressClass,
  },
  { name: 'services', prefix: '/api/v1', plural: 'services', namespaced: true, strip: stripService },
  {
    name: 'endpointSlices',
    prefix: '/apis/discovery.k8s.io/v1',
    plural: 'endpointslices',
    namespaced: true,
    strip: stripEndpointSlice,
  },
  {
    name: 'secrets',
    prefix: '/api/v1',
    plural: 'secrets',
    namespaced: true,
    // Opaque and service-account Secrets never reach us: less memory, less exposure.
    fieldSelector: `type=${TLS_SECRET_TYPE}`,
    strip: stripSecret,
  },
];

/** The collection path; a cluster-scoped kind ignores `watchNamespace`. */
export function collectionPath(kind: KindSpec, watchNamespace?: string): string {
  if (kind.namespaced && watchNamespace) {
    return `${kind.prefix}/namespaces/${encodeURIComponent(watchNamespace)}/${kind.plural}`;
  }
  return `${kind.prefix}/${kind.plural}`;
}

export function selectorQuery(kind: KindSpec): Query {
  return kind.fieldSelector ? { fieldSelector: kind.fieldSelector } : {};
}

/** Cache key: namespace/name, or name for cluster-scoped objects. */
export function objectKey(o: { metadata: { name: string; namespace?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
