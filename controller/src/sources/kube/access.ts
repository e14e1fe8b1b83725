// Every request Gatehouse makes to the API server, as RBAC sees it: (API group, resource, verb).
// KubeHttp builds each request's method and path from an entry of API_ACCESS and refuses any
// other, so this table is what the code calls; deploy/rbac and the chart are derived from it
// (rbac.ts) and the e2e suite checks it against the apiserver's audit log.
import type { Query } from './transport.ts';

/** RBAC verbs, named as the apiserver's request-info resolver names them. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ApiResource {
  /** '' is the core group. */
  group: string;
  version: string;
  /** The plural, as in the URL and in RBAC rules. */
  resource: string;
  subresource?: string;
  namespaced: boolean;
}

export interface ApiAccess {
  resource: ApiResource;
  verb: Verb;
  /**
   * Where the grant lives: `watched` — the watched namespace (or the cluster, without a watch
   * namespace, and always for cluster-scoped kinds); `own` — the controller's own namespace;
   * `watched+own` — both (Events: about namespaced objects in theirs, about cluster-scoped ones in
   * the controller's own).
   */
  scope: 'watched' | 'own' | 'watched+own';
  /** RBAC restricts it to one object name (`resourceNames`): the leader-election Lease's. */
  namedLease?: true;
  /**
   * A list or watch of one object, in its namespace, by `fieldSelector=metadata.name=NAME`: how
   * referenced Secrets are read (secret-watches.ts). RBAC cannot say so — the names are the
   * tenants' — so the request builder refuses any other form.
   */
  byName?: true;
  /** Who makes the request, for readers of the table and of RBAC diffs. */
  by: string;
}

const resource = (group: string, version: string, plural: string, namespaced = true): ApiResource => ({
  group,
  version,
  resource: plural,
  namespaced,
});

export const RESOURCES = {
  ingresses: resource('networking.k8s.io', 'v1', 'ingresses'),
  ingressStatus: { ...resource('networking.k8s.io', 'v1', 'ingresses'), subresource: 'status' },
  ingressClasses: resource('networking.k8s.io', 'v1', 'ingressclasses', false),
  services: resource('', 'v1', 'services'),
  endpointSlices: resource('discovery.k8s.io', 'v1', 'endpointslices'),
  secrets: resource('', 'v1', 'secrets'),
  configMaps: resource('', 'v1', 'configmaps'),
  events: resource('events.k8s.io', 'v1', 'events'),
  leases: resource('coordination.k8s.io', 'v1', 'leases'),
} as const satisfies Record<string, ApiResource>;

const watched = (r: ApiResource): ApiAccess[] => [
  { resource: r, verb: 'list', scope: 'watched', by: 'watch layer (reflector.ts): initial LIST and relists' },
  { resource: r, verb: 'watch', scope: 'watched', by: 'watch layer (reflector.ts)' },
];

const watchedByName = (r: ApiResource): ApiAccess[] =>
  watched(r).map((a) => ({
    ...a,
    byName: true,
    by: `${a.by}, one referenced object each (secret-watches.ts)`,
  }));

/** The whole table: every kind of request the controller makes, and nothing else. */
export const API_ACCESS: readonly ApiAccess[] = Object.freeze([
  ...watched(RESOURCES.ingressClasses),
  ...watched(RESOURCES.ingresses),
  // The status writer reads the current object for its resourceVersion, then replaces the status.
  { resource: RESOURCES.ingresses, verb: 'get', scope: 'watched', by: 'status writer (status-writer.ts)' },
  {
    resource: RESOURCES.ingressStatus,
    verb: 'update',
    scope: 'watched',
    by: 'status writer (status-writer.ts)',
  },
  ...watched(RESOURCES.services),
  // Only the Secrets an Ingress of their namespace (or --default-ssl-certificate) references.
  ...watchedByName(RESOURCES.secrets),
  // Only the ConfigMaps a custom-headers annotation names, in the Ingress's own namespace.
  ...watchedByName(RESOURCES.configMaps),
  ...watched(RESOURCES.endpointSlices),
  // Events are only ever created, each with a fresh name: no patch of a series (events.ts). Those
  // about an IngressClass (cluster-scoped) go to the controller's own namespace.
  { resource: RESOURCES.events, verb: 'create', scope: 'watched+own', by: 'event recorder (events.ts)' },
  {
    resource: RESOURCES.leases,
    verb: 'get',
    scope: 'own',
    namedLease: true,
    by: 'leader election (lease-store.ts)',
  },
  {
    resource: RESOURCES.leases,
    verb: 'update',
    scope: 'own',
    namedLease: true,
    by: 'leader election (lease-store.ts)',
  },
  // RBAC cannot restrict create by name: the object does not exist when create is authorized.
  { resource: RESOURCES.leases, verb: 'create', scope: 'own', by: 'leader election (lease-store.ts)' },
]);

function accessKey(r: ApiResource, verb: Verb): string {
  return `${r.group}/${r.resource}${r.subresource ? `/${r.subresource}` : ''}:${verb}`;
}

const GRANTED = new Map(API_ACCESS.map((a) => [accessKey(a.resource, a.verb), a]));

/** The table's entry for (resource, verb); a request outside the table is a programmer error. */
export function accessFor(r: ApiResource, verb: Verb): ApiAccess {
  const found = GRANTED.get(accessKey(r, verb));
  if (!found)
    throw new Error(`${accessKey(r, verb)} is not in API_ACCESS (controller/src/sources/kube/access.ts)`);
  return found;
}

/** One API request: the table entry plus the object it is about. */
export interface ApiCall {
  resource: ApiResource;
  verb: Verb;
  /** Absent for a list or watch across every namespace, and for cluster-scoped kinds. */
  namespace?: string;
  /** For get, update, patch and delete: the object's name. */
  name?: string;
  /** Query parameters besides the `watch=true` the verb implies (selectors, paging, resourceVersion). */
  query?: Query;
}

/** The name a `metadata.name=NAME` term of a field selector pins, if any (terms are ANDed). */
export function selectedName(query: Query | undefined): string | undefined {
  for (const term of (query?.fieldSelector ?? '').split(',')) {
    const m = /^metadata\.name==?([^=!,]+)$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

const METHODS: Record<Verb, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'> = {
  get: 'GET',
  list: 'GET',
  watch: 'GET',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
};
const ON_OBJECT: ReadonlySet<Verb> = new Set(['get', 'update', 'patch', 'delete']);

/** The collection URL path of a resource, in one namespace or across all of them. */
export function collectionPath(r: ApiResource, namespace?: string): string {
  const prefix = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${r.resource}`;
}

/** Method, path and the query the verb implies (watch=true), as the apiserver will read them back. */
export function httpRequestOf(call: ApiCall): { method: string; path: string; query: Query } {
  const access = accessFor(call.resource, call.verb);
  if (access.byName && (call.namespace === undefined || selectedName(call.query) === undefined)) {
    throw new Error(
      `${call.verb} ${call.resource.resource}: only by fieldSelector=metadata.name=NAME in one namespace`,
    );
  }
  const onObject = ON_OBJECT.has(call.verb);
  if (onObject !== (call.name !== undefined)) {
    throw new Error(
      `${call.verb} ${call.resource.resource}: a name is ${onObject ? 'required' : 'not allowed'}`,
    );
  }
  if (
    call.resource.namespaced &&
    call.namespace === undefined &&
    call.verb !== 'list' &&
    call.verb !== 'watch'
  ) {
    throw new Error(`${call.verb} ${call.resource.resource}: a namespace is required`);
  }
  let path = collectionPath(call.resource, call.namespace);
  if (call.name !== undefined) path += `/${encodeURIComponent(call.name)}`;
  if (call.resource.subresource) path += `/${call.resource.subresource}`;
  return { method: METHODS[call.verb], path, query: call.verb === 'watch' ? { watch: 'true' } : {} };
}
