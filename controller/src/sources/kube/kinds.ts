// The kinds the watch layer lists and watches, and where each lives in the API.
import type { AnyObject, Snapshot } from '../../snapshot.ts';
import { type ApiResource, RESOURCES } from './access.ts';
import {
  stripConfigMap,
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

/** The kinds listed and watched whole (in the watch namespace, if any). */
export const KINDS: readonly KindSpec[] = [
  { name: 'ingresses', resource: RESOURCES.ingresses, strip: stripIngress },
  { name: 'ingressClasses', resource: RESOURCES.ingressClasses, strip: stripIngressClass },
  { name: 'services', resource: RESOURCES.services, strip: stripService },
  { name: 'endpointSlices', resource: RESOURCES.endpointSlices, strip: stripEndpointSlice },
];

/**
 * One referenced Secret, listed and watched by name as the kubelet's secret manager does: the API
 * server sends no other Secret, and a non-TLS one not even by that name (its payload never travels)
 * unless the reference takes an Opaque Secret (`opaque`, auth-secret): then no type is selected and
 * only a TLS or Opaque payload is held.
 * `name` must be a valid Secret name (translate/secret-references.ts checks): it goes into the selector.
 */
export function secretKind(namespace: string, name: string, opaque = false): KindSpec {
  return {
    name: 'secrets',
    resource: RESOURCES.secrets,
    fieldSelector: opaque ? `metadata.name=${name}` : `metadata.name=${name},type=${TLS_SECRET_TYPE}`,
    // A server (or proxy) that ignored the selector must still not make us hold another Secret.
    strip: (raw) => {
      const s = stripSecret(raw, opaque);
      return s?.metadata.name === name && s.metadata.namespace === namespace ? s : undefined;
    },
  };
}

/**
 * One ConfigMap a custom-headers annotation names, listed and watched by name like a Secret: the API
 * server sends no other. `name` is a valid object name (translate/configmap-references.ts checks).
 */
export function configMapKind(namespace: string, name: string): KindSpec {
  return {
    name: 'configMaps',
    resource: RESOURCES.configMaps,
    fieldSelector: `metadata.name=${name}`,
    strip: (raw) => {
      const c = stripConfigMap(raw);
      return c?.metadata.name === name && c.metadata.namespace === namespace ? c : undefined;
    },
  };
}

export function selectorQuery(kind: KindSpec): Query {
  return kind.fieldSelector ? { fieldSelector: kind.fieldSelector } : {};
}

/** Cache key: namespace/name, or name for cluster-scoped objects. */
export function objectKey(o: { metadata: { name: string; namespace?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
