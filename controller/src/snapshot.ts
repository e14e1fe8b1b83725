// A snapshot of the Kubernetes objects translation reads, as plain values. Both sources (the
// watch layer and standalone manifests) produce it; translation consumes it. Only the fields
// translation needs are typed: sources strip everything else (managedFields, last-applied
// annotations, status of kinds we do not read) so memory follows routes, not object size.

export interface ObjectMeta {
  name: string;
  /** Absent only for cluster-scoped kinds (IngressClass). */
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339; the oldest object wins a route conflict. */
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject<Kind extends string, Spec> {
  apiVersion: string;
  kind: Kind;
  metadata: ObjectMeta;
  spec?: Spec;
}

export interface ServiceBackendPort {
  name?: string;
  number?: number;
}

export interface IngressBackend {
  service?: { name: string; port?: ServiceBackendPort };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HTTPIngressPath {
  path?: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}

export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  rules?: IngressRule[];
  tls?: IngressTLS[];
}

export interface IngressStatus {
  loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string; ports?: unknown[] }> };
}

export type Ingress = KubeObject<'Ingress', IngressSpec> & { status?: IngressStatus };

export interface IngressClassSpec {
  controller?: string;
  parameters?: unknown;
}

export type IngressClass = KubeObject<'IngressClass', IngressClassSpec>;

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  externalName?: string;
  clusterIP?: string;
  ports?: ServicePort[];
  selector?: Record<string, string>;
}

export type Service = KubeObject<'Service', ServiceSpec> & {
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
};

export interface EndpointConditions {
  /** Absent means ready, as the EndpointSlice API specifies. */
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface SliceEndpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  zone?: string;
  nodeName?: string;
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

/** EndpointSlice has no spec: its fields sit at the top level. */
export interface EndpointSlice {
  apiVersion: string;
  kind: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: SliceEndpoint[];
  ports?: EndpointPort[];
}

/** Only `kubernetes.io/tls` Secrets are read; `data` values are base64 as in the API. */
export interface Secret {
  apiVersion: string;
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}

/** Only ConfigMaps an annotation names are read (custom-headers); `data` as in the API. */
export interface ConfigMap {
  apiVersion: string;
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

export interface Snapshot {
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  /** Absent reads as none: most snapshots (and tests) have no ConfigMap. */
  configMaps?: ConfigMap[];
}

export type AnyObject = Ingress | IngressClass | Service | EndpointSlice | Secret | ConfigMap;

export function emptySnapshot(): Snapshot {
  return { ingresses: [], ingressClasses: [], services: [], endpointSlices: [], secrets: [], configMaps: [] };
}

/** A problem with one object, as data: logged, counted and (in cluster mode) emitted as an Event. */
export interface Diagnostic {
  object: { kind: string; namespace?: string; name: string };
  /** JSONPath-like field reference, e.g. `spec.rules[0].http.paths[1].backend.service.port`. */
  field?: string;
  /** CamelCase reason as in Kubernetes Events, e.g. `ServiceNotFound`. */
  reason: string;
  message: string;
}
