// A tiny client for the e2e apiserver: plain HTTP calls with the identity of a kubeconfig (client
// certificate or bearer token). Tests see every status code, so a refusal is a value, not a throw.
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request } from 'undici';

export interface KubeResponse<T = KubeObject> {
  status: number;
  body: T;
}

/** Any API object: what tests read they check with assertions. */
// biome-ignore lint/suspicious/noExplicitAny: API objects are checked by assertions, not by types.
export type KubeObject = Record<string, any>;

export class Kube {
  readonly server: string;
  readonly #agent: Agent;
  readonly #headers: Record<string, string>;

  constructor(kubeconfigPath: string) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster || !user) throw new Error(`${kubeconfigPath}: no current cluster or user`);
    this.server = cluster.server;
    const decode = (data: string | undefined) => (data ? Buffer.from(data, 'base64') : undefined);
    this.#agent = new Agent({
      connections: 32,
      connect: { ca: decode(cluster.caData), cert: decode(user.certData), key: decode(user.keyData) },
    });
    this.#headers = user.token ? { authorization: `Bearer ${user.token}` } : {};
  }

  async call<T = KubeObject>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse<T>> {
    const res = await request(`${this.server}${path}`, {
      dispatcher: this.#agent,
      method,
      headers: { ...this.#headers, accept: 'application/json', 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.statusCode, body: parsed as T };
  }

  /** Like call, but a status outside 2xx throws with the API's message. */
  async ok<T = KubeObject>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    const res = await this.call<T>(method, path, body, contentType);
    if (res.status < 200 || res.status > 299) {
      const message = (res.body as { message?: string })?.message ?? JSON.stringify(res.body);
      throw new Error(`${method} ${path}: ${res.status} ${message}`);
    }
    return res.body;
  }

  /** Creates an object at the collection path its apiVersion, kind and namespace name. */
  create(object: KubeObject): Promise<KubeObject> {
    return this.ok('POST', collectionPath(object), object);
  }

  /** A JSON merge patch (RFC 7386) of the named object. */
  patch(object: KubeObject, patch: unknown): Promise<KubeObject> {
    return this.ok('PATCH', objectPath(object), patch, 'application/merge-patch+json');
  }

  get(object: KubeObject): Promise<KubeObject> {
    return this.ok('GET', objectPath(object));
  }

  delete(object: KubeObject): Promise<KubeObject> {
    return this.ok('DELETE', objectPath(object));
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  Service: 'services',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  EndpointSlice: 'endpointslices',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  Lease: 'leases',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  Event: 'events',
  CustomResourceDefinition: 'customresourcedefinitions',
  RoutePolicy: 'routepolicies',
};

/** `/api/v1/namespaces/NS/services` for a Service in NS, `/apis/G/V/ingressclasses` for a cluster kind. */
export function collectionPath(object: KubeObject): string {
  const apiVersion = String(object.apiVersion);
  const plural = PLURALS[object.kind];
  if (plural === undefined) throw new Error(`no plural known for kind ${object.kind}`);
  const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const namespace = object.metadata?.namespace;
  return namespace ? `${prefix}/namespaces/${namespace}/${plural}` : `${prefix}/${plural}`;
}

export function objectPath(object: KubeObject): string {
  return `${collectionPath(object)}/${object.metadata.name}`;
}
