// One decoded document → the object translation reads, as the API server would have stored it:
// known kinds only, types checked, namespace defaulted, stringData folded into data, and
// everything translation does not read stripped so memory follows routes, not file size.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AnyObject, ObjectMeta } from '../../snapshot.ts';
import {
  configMapSchema,
  endpointSliceSchema,
  ingressClassSchema,
  ingressSchema,
  secretSchema,
  serviceSchema,
} from './schema.ts';

export type Raw = Record<string, unknown>;

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Problem {
  reason: string;
  /** Relative to the object, e.g. `spec.rules[0].host`. */
  field?: string;
  message: string;
}

export type Normalized =
  | { result: 'object'; object: AnyObject }
  | { result: 'problem'; ref?: ObjectRef; problem: Problem }
  /** Valid but not read by translation (e.g. an Opaque Secret): left out without a diagnostic. */
  | { result: 'ignored' };

interface KindRule {
  apiVersion: string;
  namespaced: boolean;
  check: ValidateFunction;
  build(raw: Raw, metadata: ObjectMeta): AnyObject | undefined;
}

const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const KINDS: Record<string, KindRule> = {
  Ingress: {
    apiVersion: 'networking.k8s.io/v1',
    namespaced: true,
    check: ajv.compile(ingressSchema),
    build: (raw, metadata) =>
      withLoadBalancerStatus(
        { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, ...pick(raw, ['spec']) },
        raw,
      ),
  },
  IngressClass: {
    apiVersion: 'networking.k8s.io/v1',
    namespaced: false,
    check: ajv.compile(ingressClassSchema),
    build: (raw, metadata) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata,
      ...pick(raw, ['spec']),
    }),
  },
  Service: {
    apiVersion: 'v1',
    namespaced: true,
    check: ajv.compile(serviceSchema),
    build: (raw, metadata) =>
      withLoadBalancerStatus({ apiVersion: 'v1', kind: 'Service', metadata, ...pick(raw, ['spec']) }, raw),
  },
  EndpointSlice: {
    apiVersion: 'discovery.k8s.io/v1',
    namespaced: true,
    check: ajv.compile(endpointSliceSchema),
    build: (raw, metadata) =>
      ({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata,
        ...pick(raw, ['addressType', 'endpoints', 'ports']),
      }) as AnyObject,
  },
  Secret: {
    apiVersion: 'v1',
    namespaced: true,
    check: ajv.compile(secretSchema),
    build: (raw, metadata) => {
      // Translation reads TLS secrets and Opaque ones (auth-secret; the API's default type); any other
      // type is a valid object we do not read, exactly as the watch layer would not, so it leaves
      // without a diagnostic.
      const type = typeof raw.type === 'string' ? raw.type : 'Opaque';
      if (type !== 'kubernetes.io/tls' && type !== 'Opaque') return undefined;
      return { apiVersion: 'v1', kind: 'Secret', metadata, type, data: secretData(raw) };
    },
  },
  ConfigMap: {
    apiVersion: 'v1',
    namespaced: true,
    check: ajv.compile(configMapSchema),
    // Only `data` is read: the custom-headers annotation names ConfigMaps (annotations/custom-headers.ts).
    build: (raw, metadata) =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, ...pick(raw, ['data']) }) as AnyObject,
  },
};

/** Whether translation reads objects of this kind (at some apiVersion). */
export function readsKind(kind: string): boolean {
  return Object.hasOwn(KINDS, kind);
}

export function normalizeObject(raw: Raw): Normalized {
  const { kind, apiVersion } = raw;
  if (typeof kind !== 'string' || kind === '' || typeof apiVersion !== 'string' || apiVersion === '') {
    return {
      result: 'problem',
      problem: { reason: 'InvalidObject', message: 'apiVersion and kind are required strings' },
    };
  }
  const rule = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  const ref = refOf(raw, kind, rule);
  if (rule === undefined || rule.apiVersion !== apiVersion) {
    const supported = rule ? `; gatehouse reads ${kind} as ${rule.apiVersion}` : '';
    return {
      result: 'problem',
      ref,
      problem: {
        reason: 'UnsupportedKind',
        field: rule ? 'apiVersion' : 'kind',
        message: `${kind} (${apiVersion}) is not read by gatehouse${supported}; left out`,
      },
    };
  }
  if (ref === undefined) {
    return {
      result: 'problem',
      problem: {
        reason: 'MissingName',
        field: 'metadata.name',
        message: `${kind} has no metadata.name (a non-empty string); left out`,
      },
    };
  }
  if (!rule.check(raw)) {
    return { result: 'problem', ref, problem: schemaProblem(kind, rule.check.errors?.[0]) };
  }
  const object = rule.build(raw, metadataOf(raw.metadata as Raw, rule.namespaced));
  return object ? { result: 'object', object } : { result: 'ignored' };
}

/** Who a document is, if it says: the object a diagnostic points at. */
function refOf(raw: Raw, kind: string, rule: KindRule | undefined): ObjectRef | undefined {
  const metadata = raw.metadata;
  if (!isMapping(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return undefined;
  const ref: ObjectRef = { kind, name: metadata.name };
  if (rule && !rule.namespaced) return ref;
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '') ref.namespace = metadata.namespace;
  else if (rule) ref.namespace = 'default';
  return ref;
}

/** Keeps the fields ObjectMeta declares; namespaced kinds default to `default`, as kubectl does. */
function metadataOf(raw: Raw, namespaced: boolean): ObjectMeta {
  const metadata: ObjectMeta = { name: raw.name as string };
  if (namespaced) metadata.namespace = (raw.namespace as string | undefined) ?? 'default';
  for (const key of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'labels'] as const) {
    if (raw[key] !== undefined) Object.assign(metadata, { [key]: raw[key] });
  }
  if (isMapping(raw.annotations)) {
    const annotations = { ...(raw.annotations as Record<string, string>) };
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  }
  return metadata;
}

/** The API server folds `stringData` into base64 `data`, stringData winning on a shared key. */
function secretData(raw: Raw): Record<string, string> | undefined {
  const data = { ...((raw.data as Record<string, string> | undefined) ?? {}) };
  const stringData = (raw.stringData as Record<string, string> | undefined) ?? {};
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value).toString('base64');
  return Object.keys(data).length > 0 ? data : undefined;
}

function withLoadBalancerStatus(object: AnyObject, raw: Raw): AnyObject {
  const status = raw.status;
  if (isMapping(status) && status.loadBalancer !== undefined) {
    Object.assign(object, { status: { loadBalancer: status.loadBalancer } });
  }
  return object;
}

function pick(raw: Raw, keys: string[]): Raw {
  const out: Raw = {};
  for (const key of keys) if (raw[key] !== undefined) out[key] = raw[key];
  return out;
}

function schemaProblem(kind: string, error: ErrorObject | undefined): Problem {
  if (error === undefined) return { reason: 'InvalidObject', message: `${kind} is invalid; left out` };
  let field = fieldOf(error.instancePath);
  let detail = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    field = field ? `${field}.${missing}` : missing;
    detail = 'is required';
  } else if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    detail = `must be one of ${allowed.join(', ')}`;
  } else if (error.keyword === 'pattern' && error.instancePath.startsWith('/data/')) {
    detail = 'must be base64';
  }
  return {
    reason: 'InvalidObject',
    field: field || undefined,
    message: `${field || kind} ${detail}; ${kind} left out`,
  };
}

/** `/spec/rules/0/host` → `spec.rules[0].host`, the Diagnostic field notation. */
function fieldOf(instancePath: string): string {
  let field = '';
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(key)) field += `[${key}]`;
    else if (!/^[A-Za-z_][\w-]*$/.test(key)) field += `['${key}']`;
    else field += field === '' ? key : `.${key}`;
  }
  return field;
}

export function isMapping(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
