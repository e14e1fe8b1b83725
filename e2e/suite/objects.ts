// Builders for the API objects the scenarios create. Pure: each returns a plain object for Kube.create.
import type { KubeObject } from './kube.ts';

export const CLASS = 'gatehouse';
export const CONTROLLER = 'gatehouse.dev/ingress-controller';
/** Port every echo backend listens on inside the netns; Services expose it as port 80. */
export const BACKEND_PORT = 8080;

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function ingressClass(name: string, controller: string, isDefault = false): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name,
      annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {},
    },
    spec: { controller },
  };
}

export function service(ns: string, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ports: [{ name: 'http', port: 80, targetPort: BACKEND_PORT }] },
  };
}

/** The EndpointSlice a controller-manager would make for `service`: there is none in this cluster. */
export function endpointSlice(
  ns: string,
  serviceName: string,
  addresses: string[],
  options: { name?: string; ready?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: options.name ?? `${serviceName}-1`,
      namespace: ns,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: addresses.map((address) => ({
      addresses: [address],
      conditions: { ready: options.ready ?? true },
    })),
    ports: [{ name: 'http', port: BACKEND_PORT, protocol: 'TCP' }],
  };
}

export interface PathRule {
  path: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service: string;
}

export interface IngressOptions {
  /** spec.ingressClassName; null leaves it out. Default: the class under test. */
  className?: string | null;
  annotations?: Record<string, string>;
  tls?: Array<{ hosts: string[]; secretName: string }>;
}

export function ingress(
  ns: string,
  name: string,
  host: string,
  paths: PathRule[],
  options: IngressOptions = {},
): KubeObject {
  const className = options.className === undefined ? CLASS : options.className;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: options.annotations ?? {} },
    spec: {
      ...(className === null ? {} : { ingressClassName: className }),
      ...(options.tls ? { tls: options.tls } : {}),
      rules: [{ host, http: { paths: paths.map(httpPath) } }],
    },
  };
}

export function httpPath(p: PathRule): KubeObject {
  return {
    path: p.path,
    pathType: p.pathType ?? 'Prefix',
    backend: { service: { name: p.service, port: { number: 80 } } },
  };
}

export function tlsSecret(ns: string, name: string, certPem: string, keyPem: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(certPem).toString('base64'),
      'tls.key': Buffer.from(keyPem).toString('base64'),
    },
  };
}
