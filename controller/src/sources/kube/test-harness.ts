// Test support: a KubeSource wired to a FakeApiServer and a FakeClock, plus object builders.
import { FakeClock, waitFor } from './fake-clock.ts';
import { FakeApiServer } from './fake-transport.ts';
import type { WatchNotice, WatchTiming } from './reflector.ts';
import { KubeSource, type SecretReferences } from './source.ts';

export const PATHS = {
  ingresses: '/apis/networking.k8s.io/v1/ingresses',
  ingressClasses: '/apis/networking.k8s.io/v1/ingressclasses',
  services: '/api/v1/services',
  endpointSlices: '/apis/discovery.k8s.io/v1/endpointslices',
  secrets: '/api/v1/secrets',
};

/** ConfigMaps of one namespace: the collection a per-name ConfigMap watch lists and watches. */
export const configMapsIn = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps`;

export const TIMING: WatchTiming = {
  pageSize: 2,
  watchTimeoutSeconds: 300,
  requestTimeoutMs: 10_000,
  stallMs: 120_000,
  minHealthyWatchMs: 5_000,
  unhealthyAfterMs: 60_000,
  backoff: { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 },
};

/** Secrets of one namespace: the collection a per-name Secret watch lists and watches. */
export const secretsIn = (namespace: string) => `/api/v1/namespaces/${namespace}/secrets`;

/** Every Ingress's spec.tls secretNames (class membership is translate's, tested there), then `extra`. */
export function tlsReferences(extra: string[] = []): SecretReferences {
  return ({ ingresses }) => [
    ...extra,
    ...ingresses.flatMap((i) =>
      (i.spec?.tls ?? []).flatMap((t) => (t.secretName ? [`${i.metadata.namespace}/${t.secretName}`] : [])),
    ),
  ];
}

export function harness(
  options: {
    watchNamespace?: string;
    random?: () => number;
    references?: SecretReferences;
    configMapReferences?: SecretReferences;
    maxSecretWatches?: number;
  } = {},
) {
  const api = new FakeApiServer();
  const clock = new FakeClock();
  const notices: WatchNotice[] = [];
  const source = new KubeSource({
    transport: api,
    clock,
    random: options.random ?? (() => 0),
    timing: TIMING,
    watchNamespace: options.watchNamespace,
    secretReferences: options.references ?? tlsReferences(),
    ...(options.configMapReferences === undefined
      ? {}
      : { configMapReferences: options.configMapReferences }),
    ...(options.maxSecretWatches === undefined ? {} : { maxSecretWatches: options.maxSecretWatches }),
    onNotice: (n) => notices.push(n),
  });
  const counter = { changes: 0 };
  source.onChange(() => counter.changes++);
  return { api, clock, source, notices, counter };
}

/** Starts the source and waits until every kind, and the `secrets` referenced ones, listed and opened their watches. */
export async function startSynced(h: ReturnType<typeof harness>, secrets = 0): Promise<void> {
  h.source.start();
  await waitFor(
    () => h.source.hasSynced() && h.api.watches.filter((w) => !w.closed).length === 4 + secrets,
    'initial sync',
  );
}

export function ingress(
  namespace: string,
  name: string,
  host = `${name}.example.com`,
  tlsSecretNames: string[] = [],
) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace, name, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
    spec: {
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
      ...(tlsSecretNames.length
        ? { tls: tlsSecretNames.map((secretName) => ({ hosts: [host], secretName })) }
        : {}),
    },
  };
}

export function secret(namespace: string, name: string, type = 'kubernetes.io/tls') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name },
    type,
    data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', extra: 'eA==' },
  };
}

/** Names (namespace/name) of the ingresses in the source's snapshot, in snapshot order. */
export function ingressNames(source: KubeSource): string[] {
  return source.snapshot().ingresses.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
}
