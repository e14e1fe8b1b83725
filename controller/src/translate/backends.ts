// Ingress backends → table Backends: the Service in the Ingress's namespace, its port by number
// or by name, and the endpoints of that port from the Service's EndpointSlices (ready ones; the
// serving-but-terminating ones only while nothing is ready, as kube-proxy does). ExternalName
// Services only with --enable-external-name-services (Contour's default): otherwise a tenant's
// `externalName: localhost` points the proxy at its own admin port (issue #25).
import { createHash } from 'node:crypto';
import type { Backend, Endpoint, WeightedBackend } from '../../../dataplane/src/table/types.ts';
import type { ExternalAuthSpec } from './annotations/external-auth.ts';
import type { MirrorSpec } from './annotations/mirror.ts';
import type { BackendSettings } from './annotations/settings.ts';
import { compareText, type Fields, isPort, isRecord, list, record, sortedRecord, text } from './guard.ts';
import { type IngressView, NAMESPACE, objectKey, type SnapshotIndex } from './lookup.ts';

/** A problem found while resolving, before it is attached to the object and field that caused it. */
export interface BackendProblem {
  /** Suffix of the backend's field path, e.g. `.service.port`. */
  field: string;
  reason: string;
  message: string;
}

export interface BackendResolution {
  /** The route's backend groups; empty (answers 503) when the reference could not be resolved. */
  backends: WeightedBackend[];
  problem?: BackendProblem;
}

type PortRef = { number: number } | { name: string };
type Resolved = { ok: true; backend: Backend } | { ok: false; problem: BackendProblem };

const SERVICE_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXTERNAL_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.?$/;
const IPV4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** Resolves backend references against one snapshot; remembers every backend it handed out. */
export class BackendResolver {
  readonly #index: SnapshotIndex;
  readonly #resolved = new Map<string, Resolved>();
  readonly #externalNames: boolean;
  readonly #settings: ReadonlyMap<IngressView, BackendSettings>;

  /** `settings`: what each Ingress's annotations ask of its backends (backend-protocol, balancing). */
  constructor(
    index: SnapshotIndex,
    externalNames = false,
    settings: ReadonlyMap<IngressView, BackendSettings> = new Map(),
  ) {
    this.#index = index;
    this.#externalNames = externalNames;
    this.#settings = settings;
  }

  /** An IngressBackend (`service` or `resource`) of an Ingress in `namespace`, with that Ingress's settings. */
  /** `settings`, when given, replace the Ingress's own (a canary's, merge-canaries.ts). */
  resolve(
    namespace: string,
    rawBackend: unknown,
    ingress?: IngressView,
    settings?: BackendSettings,
  ): BackendResolution {
    const backend = record(rawBackend);
    if (backend.resource !== undefined && backend.service === undefined) {
      return failed({
        field: '.resource',
        reason: 'UnsupportedBackend',
        message: 'resource backends are not supported; use a Service backend',
      });
    }
    const service = record(backend.service);
    const name = service.name;
    if (typeof name !== 'string' || !SERVICE_NAME.test(name)) {
      return failed({
        field: '.service.name',
        reason: 'InvalidBackend',
        message: `service name ${JSON.stringify(name) ?? 'undefined'} is not a valid Service name (DNS-1035 label)`,
      });
    }
    const port = record(service.port);
    let ref: PortRef;
    if (isPort(port.number)) ref = { number: port.number };
    else if (typeof port.name === 'string' && PORT_NAME.test(port.name)) ref = { name: port.name };
    else {
      return failed({
        field: '.service.port',
        reason: 'InvalidBackend',
        message: 'service port needs a number (1-65535) or a port name',
      });
    }
    return this.#use(
      namespace,
      name,
      ref,
      settings ?? (ingress === undefined ? undefined : this.#settings.get(ingress)),
    );
  }

  /** A backend handed out before, by its key. */
  get(key: string): Backend | undefined {
    const resolved = this.#resolved.get(key);
    return resolved?.ok === true ? resolved.backend : undefined;
  }

  /** `--default-backend-service ns/name`: the Service's first port. */
  resolveDefault(reference: string): BackendResolution {
    const [namespace, name, ...rest] = reference.split('/');
    if (rest.length > 0 || !NAMESPACE.test(namespace) || !SERVICE_NAME.test(name ?? '')) {
      return failed({ field: '', reason: 'InvalidFlag', message: `"${reference}" is not namespace/name` });
    }
    const service = this.#index.services.get(objectKey(namespace, name));
    if (service === undefined) return failed(serviceNotFound(namespace, name));
    const first = list(record(service.spec).ports).find(isRecord);
    if (first === undefined || !isPort(first.port)) {
      return failed({
        field: '',
        reason: 'PortNotFound',
        message: `Service ${namespace}/${name} lists no port to send unmatched requests to`,
      });
    }
    return this.#use(namespace, name, { number: first.port });
  }

  /**
   * A mirror-target (annotations/mirror.ts): a Service of `namespace` by its port number, else a
   * host outside the cluster's vetted endpoints, served as an ExternalName Service would be.
   */
  resolveMirror(namespace: string, spec: MirrorSpec): BackendResolution {
    const settings: BackendSettings | undefined =
      spec.protocol === 'HTTPS' ? { protocol: 'HTTPS' } : undefined;
    if (spec.target.kind === 'service')
      return this.#use(namespace, spec.target.name, { number: spec.port }, settings);
    const { host } = spec.target;
    if (!this.#externalNames) {
      return failed({
        field: '',
        reason: 'ExternalNameDisabled',
        message:
          `mirror-target host ${host} is not a Service of namespace ${namespace}; other hosts are mirrored ` +
          'only when the controller runs with --enable-external-name-services',
      });
    }
    const key = `mirror/${namespace}/${host}:${spec.port}${settings === undefined ? '' : '~https'}`;
    if (!this.#resolved.has(key)) {
      const backend = backendOf({ namespace, service: host, protocol: spec.protocol }, [
        { address: host, port: spec.port },
      ]);
      // Not a pod the API server vetted: the data plane checks every connection's resolved address.
      backend.external = true;
      this.#resolved.set(key, { ok: true, backend });
    }
    return { backends: [{ backend: key, weight: 1 }] };
  }

  /**
   * An auth-url (annotations/external-auth.ts): a Service of `namespace` by its port number (its
   * endpoints, as any backend), else any other host — a Service of another namespace by its
   * cluster DNS name included — connected through the worker's address guard, as ingress-nginx
   * proxies to any URL. No loopback, link-local, metadata or own address is ever reached that way.
   */
  resolveExternalAuth(namespace: string, spec: ExternalAuthSpec): BackendResolution {
    const settings: BackendSettings | undefined =
      spec.protocol === 'HTTPS' ? { protocol: 'HTTPS' } : undefined;
    if (spec.target.kind === 'service')
      return this.#use(namespace, spec.target.name, { number: spec.port }, settings);
    const { host } = spec.target;
    const key = `auth/${namespace}/${host}:${spec.port}${settings === undefined ? '' : '~https'}`;
    if (!this.#resolved.has(key)) {
      const backend = backendOf({ namespace, service: host, protocol: spec.protocol }, [
        { address: host, port: spec.port },
      ]);
      backend.external = true;
      this.#resolved.set(key, { ok: true, backend });
    }
    return { backends: [{ backend: key, weight: 1 }] };
  }

  /** Every backend handed out so far, keys inserted in sorted order. */
  backends(): Record<string, Backend> {
    const used: Array<[string, Backend]> = [];
    for (const [key, resolved] of this.#resolved) if (resolved.ok) used.push([key, resolved.backend]);
    return sortedRecord(used);
  }

  #use(namespace: string, service: string, ref: PortRef, settings?: BackendSettings): BackendResolution {
    // One Service used with different settings is several backends: a short hash of the settings
    // tells them apart, and a Service used without settings keeps its plain key.
    const variant = settings === undefined || Object.keys(settings).length === 0 ? '' : settingsTag(settings);
    const key = `${namespace}/${service}:${'number' in ref ? ref.number : ref.name}${variant}`;
    let resolved = this.#resolved.get(key);
    if (resolved === undefined) {
      const { serviceUpstream, ...fields } = settings ?? {};
      resolved = this.#build(namespace, service, ref, serviceUpstream === true);
      if (resolved.ok && variant !== '') resolved = { ok: true, backend: { ...resolved.backend, ...fields } };
      this.#resolved.set(key, resolved);
    }
    return resolved.ok ? { backends: [{ backend: key, weight: 1 }] } : failed(resolved.problem);
  }

  #build(namespace: string, name: string, ref: PortRef, serviceUpstream = false): Resolved {
    const service = this.#index.services.get(objectKey(namespace, name));
    if (service === undefined) return { ok: false, problem: serviceNotFound(namespace, name) };
    const spec = record(service.spec);
    const ports = list(spec.ports).filter(isRecord);
    const servicePort = ports.find((p) =>
      'number' in ref ? p.port === ref.number : p.name === ref.name && isPort(p.port),
    );
    const shown = 'number' in ref ? String(ref.number) : `"${ref.name}"`;
    const portNotFound: Resolved = {
      ok: false,
      problem: {
        field: '.service.port',
        reason: 'PortNotFound',
        message: `Service ${namespace}/${name} has no port ${shown}`,
      },
    };
    const protocol = protocolOf(servicePort?.appProtocol);
    const common = { namespace, service: name, protocol };

    if (spec.type === 'ExternalName') {
      if (!this.#externalNames) {
        return {
          ok: false,
          problem: {
            field: '.service.name',
            reason: 'ExternalNameDisabled',
            message:
              `Service ${namespace}/${name} is of type ExternalName, which is not served unless ` +
              'the controller runs with --enable-external-name-services; the route answers 503',
          },
        };
      }
      const externalName = spec.externalName;
      if (typeof externalName !== 'string' || !EXTERNAL_NAME.test(externalName)) {
        return {
          ok: false,
          problem: {
            field: '.service.name',
            reason: 'InvalidExternalName',
            message: `ExternalName Service ${namespace}/${name} has no valid spec.externalName`,
          },
        };
      }
      // An ExternalName Service may list no ports at all; the Ingress's port number is then the port.
      const port = servicePort?.port ?? (ports.length === 0 && 'number' in ref ? ref.number : undefined);
      if (!isPort(port)) return portNotFound;
      // Not a pod the API server vetted: the data plane checks every connection's resolved address.
      const backend = backendOf(common, [{ address: externalName, port }]);
      backend.external = true;
      return { ok: true, backend };
    }

    if (servicePort === undefined) return portNotFound;
    // service-upstream: one endpoint, the ClusterIP and Service port, kube-proxy balancing behind it
    // (annotations.md#service-upstream). Headless or without a ClusterIP: the endpoints, as ingress-nginx.
    const { clusterIP } = spec;
    const port = servicePort.port;
    if (
      serviceUpstream &&
      isPort(port) &&
      typeof clusterIP === 'string' &&
      (IPV4.test(clusterIP) || IPV6.test(clusterIP))
    )
      return { ok: true, backend: backendOf(common, [{ address: clusterIP, port }]) };
    const slices = this.#index.endpointSlices.get(objectKey(namespace, name)) ?? [];
    return { ok: true, backend: backendOf(common, endpointsOf(slices, text(servicePort.name) ?? '')) };
  }
}

function settingsTag(settings: BackendSettings): string {
  // Keys sorted at every depth, so equal settings give one key whatever their construction order.
  const canonical = JSON.stringify(settings, (_key, value: unknown) =>
    isRecord(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => compareText(a, b))) : value,
  );
  return `~${createHash('sha256').update(canonical).digest('hex').slice(0, 8)}`;
}

function failed(problem: BackendProblem): BackendResolution {
  return { backends: [], problem };
}

function serviceNotFound(namespace: string, name: string): BackendProblem {
  return {
    field: '.service.name',
    reason: 'ServiceNotFound',
    message: `Service ${namespace}/${name} not found; the route answers 503 until it exists`,
  };
}

function protocolOf(appProtocol: unknown): Backend['protocol'] {
  if (typeof appProtocol !== 'string') return 'HTTP';
  const value = appProtocol.toLowerCase();
  if (value === 'https') return 'HTTPS';
  if (value === 'kubernetes.io/h2c') return 'H2C';
  return 'HTTP';
}

function backendOf(
  common: Pick<Backend, 'namespace' | 'service' | 'protocol'>,
  endpoints: Endpoint[],
): Backend {
  return { ...common, endpoints, balancer: { type: 'RoundRobin' } };
}

interface Candidate {
  address: string;
  port: number;
  ready: boolean;
  zone: string;
}

/**
 * Endpoints of the Service port named `portName` ('' for the single unnamed port) across all
 * slices: ready ones, else serving-and-terminating ones marked so; deduplicated and sorted.
 */
export function endpointsOf(slices: Fields[], portName: string): Endpoint[] {
  const ready: Candidate[] = [];
  const terminating: Candidate[] = [];
  for (const slice of slices) {
    const addressType = slice.addressType;
    if (addressType !== 'IPv4' && addressType !== 'IPv6') continue;
    const slicePort = list(slice.ports)
      .filter(isRecord)
      .find((p) => (text(p.name) ?? '') === portName);
    if (slicePort === undefined || !isPort(slicePort.port)) continue;
    const addressPattern = addressType === 'IPv4' ? IPV4 : IPV6;
    for (const endpoint of list(slice.endpoints)) {
      if (!isRecord(endpoint)) continue;
      // Addresses of one endpoint are fungible (EndpointSlice API): the first one stands for the pod.
      const address = list(endpoint.addresses)[0];
      if (typeof address !== 'string' || address.length > 64 || !addressPattern.test(address)) continue;
      const conditions = record(endpoint.conditions);
      // Absent conditions mean ready / serving-as-ready / not terminating (EndpointConditions docs).
      const isReady = conditions.ready !== false;
      const isServing = typeof conditions.serving === 'boolean' ? conditions.serving : isReady;
      const zone = text(endpoint.zone) ?? '';
      const candidate = {
        address,
        port: slicePort.port,
        ready: isReady,
        zone: zone.length <= 253 ? zone : '',
      };
      if (isReady) ready.push(candidate);
      else if (isServing && conditions.terminating === true) terminating.push(candidate);
    }
  }
  const chosen = ready.length > 0 ? ready : terminating;
  const unique = new Map<string, Candidate>();
  for (const c of chosen) {
    const key = `${c.address}|${c.port}`;
    const seen = unique.get(key);
    if (seen === undefined || compareText(c.zone, seen.zone) < 0) unique.set(key, c);
  }
  return [...unique.values()]
    .sort((a, b) => compareText(a.address, b.address) || a.port - b.port)
    .map((c) => {
      const endpoint: Endpoint = { address: c.address, port: c.port };
      if (!c.ready) endpoint.terminating = true;
      if (c.zone !== '') endpoint.zone = c.zone;
      return endpoint;
    });
}
