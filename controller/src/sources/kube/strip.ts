// Reduces API objects to the typed fields of snapshot.ts, so the cache holds what translation
// reads and nothing more: managedFields, the last-applied annotation, Secret payloads of other
// types, status other than loadBalancer and every unknown field are dropped. Input is untrusted;
// a value of the wrong shape is left out rather than thrown on.
import type {
  ConfigMap,
  EndpointPort,
  EndpointSlice,
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressRule,
  IngressTLS,
  ObjectMeta,
  Secret,
  Service,
  ServicePort,
  SliceEndpoint,
} from '../../snapshot.ts';

type Raw = Record<string, unknown>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** The Secret keys translation reads (certificate, key, client-auth CA and CRL). */
const TLS_SECRET_KEYS = ['tls.crt', 'tls.key', 'ca.crt', 'ca.crl'];
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
export const OPAQUE_SECRET_TYPE = 'Opaque';

function obj(v: unknown): Raw | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}
function arr<T>(v: unknown, each: (x: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: T[] = [];
  for (const x of v) {
    const y = each(x);
    if (y !== undefined) out.push(y);
  }
  return out;
}
function strings(v: unknown): string[] | undefined {
  return arr(v, str);
}
function stringMap(v: unknown, skip?: string): Record<string, string> | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) if (k !== skip && typeof x === 'string') out[k] = x;
  return out;
}
/** Drops keys whose value is undefined, so stripped objects compare and serialise cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export function stripMeta(v: unknown): ObjectMeta | undefined {
  const m = obj(v);
  const name = str(m?.name);
  if (!m || !name) return undefined;
  return compact({
    name,
    namespace: str(m.namespace),
    uid: str(m.uid),
    resourceVersion: str(m.resourceVersion),
    generation: num(m.generation),
    creationTimestamp: str(m.creationTimestamp),
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations, LAST_APPLIED),
  });
}

function backendPort(v: unknown): { name?: string; number?: number } | undefined {
  const p = obj(v);
  return p && compact({ name: str(p.name), number: num(p.number) });
}

function backend(v: unknown): IngressBackend | undefined {
  const b = obj(v);
  if (!b) return undefined;
  const s = obj(b.service);
  const r = obj(b.resource);
  const service = s && str(s.name) ? compact({ name: str(s.name)!, port: backendPort(s.port) }) : undefined;
  const resource =
    r && str(r.kind) && str(r.name)
      ? compact({ apiGroup: str(r.apiGroup), kind: str(r.kind)!, name: str(r.name)! })
      : undefined;
  return compact({ service, resource });
}

function httpPath(v: unknown): HTTPIngressPath | undefined {
  const p = obj(v);
  if (!p) return undefined;
  // pathType is validated by translation (it reports a Diagnostic); keep what was written.
  const pathType = str(p.pathType) as HTTPIngressPath['pathType'];
  return compact({ path: str(p.path), pathType, backend: backend(p.backend) ?? {} });
}

function rule(v: unknown): IngressRule | undefined {
  const r = obj(v);
  if (!r) return undefined;
  const http = obj(r.http);
  return compact({ host: str(r.host), http: http ? { paths: arr(http.paths, httpPath) ?? [] } : undefined });
}

function tls(v: unknown): IngressTLS | undefined {
  const t = obj(v);
  return t && compact({ hosts: strings(t.hosts), secretName: str(t.secretName) });
}

function lbIngress(v: unknown): Array<{ ip?: string; hostname?: string; ports?: unknown[] }> | undefined {
  const lb = obj(v);
  return arr(lb?.ingress, (x) => {
    const e = obj(x);
    return (
      e &&
      compact({
        ip: str(e.ip),
        hostname: str(e.hostname),
        ports: Array.isArray(e.ports) ? e.ports : undefined,
      })
    );
  });
}

export function stripIngress(v: unknown): Ingress | undefined {
  const o = obj(v);
  const metadata = stripMeta(o?.metadata);
  if (!o || !metadata) return undefined;
  const spec = obj(o.spec);
  const status = obj(o.status);
  const ingress = status && lbIngress(status.loadBalancer);
  return compact({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress' as const,
    metadata,
    spec:
      spec &&
      compact({
        ingressClassName: str(spec.ingressClassName),
        defaultBackend: backend(spec.defaultBackend),
        rules: arr(spec.rules, rule),
        tls: arr(spec.tls, tls),
      }),
    status: ingress ? { loadBalancer: { ingress } } : undefined,
  });
}

export function stripIngressClass(v: unknown): IngressClass | undefined {
  const o = obj(v);
  const metadata = stripMeta(o?.metadata);
  if (!o || !metadata) return undefined;
  const spec = obj(o.spec);
  return compact({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass' as const,
    metadata,
    spec: spec && compact({ controller: str(spec.controller), parameters: spec.parameters }),
  });
}

function servicePort(v: unknown): ServicePort | undefined {
  const p = obj(v);
  const port = num(p?.port);
  if (!p || port === undefined) return undefined;
  const target = p.targetPort;
  return compact({
    name: str(p.name),
    protocol: str(p.protocol),
    port,
    targetPort: typeof target === 'number' || typeof target === 'string' ? target : undefined,
    appProtocol: str(p.appProtocol),
  });
}

export function stripService(v: unknown): Service | undefined {
  const o = obj(v);
  const metadata = stripMeta(o?.metadata);
  if (!o || !metadata) return undefined;
  const spec = obj(o.spec);
  const ingress = arr(obj(obj(o.status)?.loadBalancer)?.ingress, (x) => {
    const e = obj(x);
    return e && compact({ ip: str(e.ip), hostname: str(e.hostname) });
  });
  return compact({
    apiVersion: 'v1',
    kind: 'Service' as const,
    metadata,
    spec:
      spec &&
      compact({
        type: str(spec.type) as NonNullable<Service['spec']>['type'],
        externalName: str(spec.externalName),
        clusterIP: str(spec.clusterIP),
        ports: arr(spec.ports, servicePort),
        selector: stringMap(spec.selector),
      }),
    status: ingress?.length ? { loadBalancer: { ingress } } : undefined,
  });
}

function sliceEndpoint(v: unknown): SliceEndpoint | undefined {
  const e = obj(v);
  const addresses = strings(e?.addresses);
  if (!e || !addresses) return undefined;
  const c = obj(e.conditions);
  return compact({
    addresses,
    conditions:
      c && compact({ ready: bool(c.ready), serving: bool(c.serving), terminating: bool(c.terminating) }),
    zone: str(e.zone),
    nodeName: str(e.nodeName),
  });
}

function endpointPort(v: unknown): EndpointPort | undefined {
  const p = obj(v);
  return (
    p &&
    compact({
      name: str(p.name),
      port: num(p.port),
      protocol: str(p.protocol),
      appProtocol: str(p.appProtocol),
    })
  );
}

export function stripEndpointSlice(v: unknown): EndpointSlice | undefined {
  const o = obj(v);
  const metadata = stripMeta(o?.metadata);
  const addressType = str(o?.addressType);
  if (!o || !metadata || !addressType) return undefined;
  return compact({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice' as const,
    metadata,
    addressType: addressType as EndpointSlice['addressType'],
    endpoints: arr(o.endpoints, sliceEndpoint),
    ports: arr(o.ports, endpointPort),
  });
}

/**
 * Only `kubernetes.io/tls` Secrets (their TLS keys) are held, and `Opaque` ones (every key) where
 * the reference takes one (`opaque`: auth-secret's htpasswd or user map); any other payload never is.
 */
export function stripSecret(v: unknown, opaque = false): Secret | undefined {
  const o = obj(v);
  const metadata = stripMeta(o?.metadata);
  if (!o || !metadata) return undefined;
  if (opaque && o.type === OPAQUE_SECRET_TYPE)
    return { apiVersion: 'v1', kind: 'Secret', metadata, type: OPAQUE_SECRET_TYPE, data: opaqueData(o.data) };
  if (o.type !== TLS_SECRET_TYPE) return undefined;
  const data = obj(o.data);
  const kept: Record<string, string> = {};
  for (const k of TLS_SECRET_KEYS) {
    const x = data?.[k];
    if (typeof x === 'string') kept[k] = x;
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: TLS_SECRET_TYPE, data: kept };
}

/** The string values of a `data` map (Opaque Secrets, ConfigMaps); anything else is dropped. */
function opaqueData(v: unknown): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v) ?? {})) if (typeof x === 'string') kept[k] = x;
  return kept;
}

/** A ConfigMap's string `data` only (custom-headers reads nothing else; binaryData never kept). */
export function stripConfigMap(v: unknown): ConfigMap | undefined {
  const o = obj(v);
  const metadata = stripMeta(o?.metadata);
  if (!o || !metadata) return undefined;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: opaqueData(o.data) };
}
