// Builders shared by this folder's tests: small Kubernetes objects, and `run`, which translates
// and insists that every table it returns passes the data plane's own validator.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateRouteTable } from '../../../dataplane/src/table/validate.ts';
import type {
  EndpointSlice,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressSpec,
  Secret,
  Service,
  ServicePort,
  SliceEndpoint,
  Snapshot,
} from '../snapshot.ts';
import { translate } from './translate.ts';
import type { TranslateOptions, TranslateResult } from './types.ts';

export const OPTIONS: TranslateOptions = {
  ingressClass: 'gatehouse',
  controllerName: 'gatehouse.dev/ingress-controller',
};

const testdata = new URL('./testdata/', import.meta.url);
const readPem = (file: string): string => readFileSync(new URL(file, testdata), 'utf8');

/** Self-signed fixtures made once with openssl (see testdata/README.md). */
export const PEM = {
  exampleCert: readPem('example.crt.pem'),
  exampleKey: readPem('example.key.pem'),
  otherKey: readPem('other.key.pem'),
  defaultCert: readPem('default.crt.pem'),
  defaultKey: readPem('default.key.pem'),
};

interface Meta {
  namespace?: string;
  created?: string;
  annotations?: Record<string, string>;
}

export function ingress(name: string, spec: IngressSpec, meta: Meta = {}): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: meta.namespace ?? 'default',
      creationTimestamp: meta.created ?? '2026-01-01T00:00:00Z',
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec: { ingressClassName: 'gatehouse', ...spec },
  };
}

export function ingressClass(name: string, controller: string, isDefault = false): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name,
      ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    spec: { controller },
  };
}

export function backend(service: string, port: number | string): IngressBackend {
  return { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

/** One rule: `host` (or none) with Prefix paths to `service:port`. */
export function rule(host: string | undefined, paths: string[], service = 'web', port: number | string = 80) {
  return {
    ...(host === undefined ? {} : { host }),
    http: {
      paths: paths.map((path) => ({ path, pathType: 'Prefix' as const, backend: backend(service, port) })),
    },
  };
}

export function service(
  name: string,
  ports: ServicePort[] = [{ name: 'http', port: 80, targetPort: 8080 }],
  extra: { namespace?: string; type?: 'ExternalName'; externalName?: string } = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: extra.namespace ?? 'default' },
    spec: {
      ports,
      ...(extra.type ? { type: extra.type } : {}),
      ...(extra.externalName ? { externalName: extra.externalName } : {}),
    },
  };
}

export function slice(
  name: string,
  serviceName: string,
  ports: Array<{ name?: string; port: number }>,
  endpoints: SliceEndpoint[],
  extra: { namespace?: string; addressType?: 'IPv4' | 'IPv6' | 'FQDN' } = {},
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: extra.addressType ?? 'IPv4',
    ports,
    endpoints,
  };
}

export function ready(address: string, ready?: boolean): SliceEndpoint {
  return { addresses: [address], conditions: ready === undefined ? {} : { ready } };
}

export function tlsSecret(
  name: string,
  extra: { namespace?: string; cert?: string; key?: string; type?: string } = {},
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: extra.namespace ?? 'default' },
    type: extra.type ?? 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(extra.cert ?? PEM.exampleCert).toString('base64'),
      'tls.key': Buffer.from(extra.key ?? PEM.exampleKey).toString('base64'),
    },
  };
}

export function snapshot(objects: Partial<Snapshot>): Snapshot {
  return { ingresses: [], ingressClasses: [], services: [], endpointSlices: [], secrets: [], ...objects };
}

/** translate(), plus the promise every caller relies on: the table passes the data plane's validator. */
export function run(input: Partial<Snapshot>, options: Partial<TranslateOptions> = {}): TranslateResult {
  const result = translate(snapshot(input), { ...OPTIONS, ...options });
  const validation = validateRouteTable({ version: 1, ...result.table });
  assert.ok(validation.ok, `table fails validation: ${JSON.stringify(validation)}`);
  return result;
}

/** Diagnostics as `Kind ns/name field Reason` lines: what a table case asserts on. */
export function reasons(result: TranslateResult): string[] {
  return result.diagnostics.map(
    (d) => `${d.object.kind} ${d.object.namespace ?? ''}/${d.object.name} ${d.field ?? '-'} ${d.reason}`,
  );
}

export function hostOf(result: TranslateResult, host: string) {
  const entry = result.table.hosts.find((h) => h.host === host);
  assert.ok(entry, `no host entry "${host}" in ${result.table.hosts.map((h) => h.host).join(', ')}`);
  return entry;
}

/** A host's routes as `Type value -> backend,backend` strings. */
export function routesOf(result: TranslateResult, host: string): string[] {
  return hostOf(result, host).routes.map(
    (r) => `${r.match.path.type} ${r.match.path.value} -> ${r.backends.map((b) => b.backend).join(',')}`,
  );
}
