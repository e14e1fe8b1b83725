// The kinds the watch layer lists and watches, and where each lives in the API.
import type { AnyObject, Snapshot } from '../../snapshot.ts';
import { type ApiResource, RESOURCES } from './access.ts';
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
  /** Where it lives in the API; its list and watch are entries of API_ACCESS. */
  resource: ApiResource;
  /** Server-side filter on LIST and WATCH alike. */
  fieldSelector?: string;
  /** Reduces an API object to what translation reads; undefined means "not ours" (never cached). */
  strip(raw: unknown): AnyObject | undefined;
}

export const KINDS: readonly KindSpec[] = [
  { name: 'ingresses', resource: RESOURCES.ingresses, strip: stripIngress },
  { name: 'ingressClasses', resource: RESOURCES.ingressClasses, strip: stripIngressClass },
  { name: 'services', resource: RESOURCES.services, strip: stripService },
  { name: 'endpointSlices', resource: RESOURCES.endpointSlices, strip: stripEndpointSlice },
  {
    name: 'secrets',
    resource: RESOURCES.secrets,
    // Opaque and service-account Secrets never reach us: less memory, less exposure.
    fieldSelector: `type=${TLS_SECRET_TYPE}`,
    strip: stripSecret,
  },
];

export function selectorQuery(kind: KindSpec): Query {
  return kind.fieldSelector ? { fieldSelector: kind.fieldSelector } : {};
}

/** Cache key: namespace/name, or name for cluster-scoped objects. */
export function objectKey(o: { metadata: { name: string; namespace?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
