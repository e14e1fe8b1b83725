// Generated Kubernetes objects for the benchmark: N Ingresses (one of them the benchmarked host),
// their Services and EndpointSlices, written as multi-document manifests for --manifests, or
// handed to translate() in-process as a Snapshot.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AnyObject,
  EndpointSlice,
  Ingress,
  IngressClass,
  Service,
  Snapshot,
} from '../../controller/src/snapshot.ts';

export const NAMESPACE = 'bench';
export const BENCH_HOST = 'bench.example.com';
export const TLS_HOST = 'tls.bench.example.com';

export function ingressClass(): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'gatehouse' },
    spec: { controller: 'gatehouse.dev/ingress-controller' },
  };
}

export function service(name: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

export function endpointSlice(serviceName: string, addresses: string[], port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-1`,
      namespace: NAMESPACE,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port }],
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  };
}

export function ingress(name: string, host: string, serviceName: string, tlsSecret?: string): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: NAMESPACE, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'gatehouse',
      ...(tlsSecret ? { tls: [{ hosts: [host], secretName: tlsSecret }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: serviceName, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export function tlsSecret(name: string, certPem: string, keyPem: string): AnyObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(certPem).toString('base64'),
      'tls.key': Buffer.from(keyPem).toString('base64'),
    },
  };
}

export function fillerHost(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(5, '0')}.bench.example`;
}

/**
 * `count` Ingresses, each with its own Service whose endpoints all answer at `port` on
 * `addresses(i)`. Ingress number `count / 2` carries `benchHost` instead of a filler host.
 */
export function routeObjects(
  prefix: string,
  count: number,
  port: number,
  addresses: (i: number) => string[] = () => ['127.0.0.1'],
  benchHost?: string,
): AnyObject[] {
  const objects: AnyObject[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${String(i).padStart(5, '0')}`;
    const host = benchHost !== undefined && i === count >> 1 ? benchHost : fillerHost(prefix, i);
    objects.push(service(name), endpointSlice(name, addresses(i), port), ingress(name, host, name));
  }
  return objects;
}

export function snapshotOf(objects: AnyObject[]): Snapshot {
  const s: Snapshot = { ingresses: [], ingressClasses: [], services: [], endpointSlices: [], secrets: [] };
  for (const o of objects) {
    if (o.kind === 'Ingress') s.ingresses.push(o);
    else if (o.kind === 'IngressClass') s.ingressClasses.push(o);
    else if (o.kind === 'Service') s.services.push(o);
    else if (o.kind === 'EndpointSlice') s.endpointSlices.push(o);
    else if (o.kind === 'Secret') s.secrets.push(o);
  }
  return s;
}

/** Write objects as one multi-document file, atomically (write then rename, as editors do). */
export function writeManifest(dir: string, file: string, objects: object[]): void {
  const path = join(dir, file);
  // JSON documents are YAML documents, and much faster to write and parse at this size.
  writeFileSync(`${path}.tmp~`, objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  execFileSync('mv', [`${path}.tmp~`, path]);
}

/** A self-signed certificate for the TLS runs (both proxies serve the same one). */
export function selfSignedCertificate(dir: string, hosts: string[]): { cert: string; key: string } {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${hosts[0]}`,
      '-addext',
      `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
