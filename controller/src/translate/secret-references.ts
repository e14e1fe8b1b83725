// Which Secrets translation reads, from the objects that name them. Cluster mode watches these and
// only these, each by name — the kubelet's way with a Pod's Secrets — so a Secret nothing of ours
// references is never requested (SECURITY.md § Kubernetes API access). One small source per kind of
// reference; another (an annotation's Secret, a Gateway listener's certificateRefs) is one more
// entry in SECRET_REFERENCE_SOURCES, and a test checks translation reads nothing else.
import type { Snapshot } from '../snapshot.ts';
import { DEFAULT_ANNOTATIONS_PREFIX } from './annotations/read.ts';
import { isLoadableSecret } from './certificates.ts';
import { isOurs } from './classes.ts';
import { list, record, text } from './guard.ts';
import { type IngressView, indexSnapshot, objectKey } from './lookup.ts';
import { defaultCertificateRef } from './tls.ts';
import type { TranslateOptions } from './types.ts';

export interface SecretRef {
  namespace: string;
  name: string;
  /** The reference takes an Opaque Secret too (auth-secret), not only a kubernetes.io/tls one. */
  opaque?: boolean;
}

/** Prefix of the key of a reference that takes an Opaque Secret; no namespace holds a ':'. */
export const OPAQUE_REFERENCE = 'opaque:';

export type ReferenceOptions = Pick<
  TranslateOptions,
  'ingressClass' | 'controllerName' | 'defaultSslCertificate' | 'annotationsPrefix'
>;

/** What a reference source reads: the Ingresses of our class, oldest first, the RoutePolicies, and the flags. */
export interface ReferenceContext {
  ours: readonly IngressView[];
  /** As the snapshot holds them: unchecked. */
  policies: readonly unknown[];
  options: ReferenceOptions;
}

/** One kind of reference to Secrets; pure. */
export type SecretReferenceSource = (context: ReferenceContext) => Iterable<SecretRef>;

/** The objects references are read from: everything but the Secrets themselves. */
export type ReferencingObjects = Pick<Snapshot, 'ingresses' | 'ingressClasses' | 'routePolicies'>;

/** `--default-ssl-certificate NS/NAME` (tls.ts loadDefault). */
export function* defaultCertificateSecret({ options }: ReferenceContext): Iterable<SecretRef> {
  const ref = options.defaultSslCertificate
    ? defaultCertificateRef(options.defaultSslCertificate)
    : undefined;
  if (ref !== undefined) yield ref;
}

/** `spec.tls[].secretName` of our Ingresses, always in the Ingress's own namespace (tls.ts collectClaims). */
export function* ingressTlsSecrets({ ours }: ReferenceContext): Iterable<SecretRef> {
  for (const ingress of ours) {
    for (const entry of list(ingress.spec.tls)) {
      const name = text(record(entry).secretName);
      if (name !== undefined) yield { namespace: ingress.namespace, name };
    }
  }
}

/**
 * The `proxy-ssl-secret` annotation (`namespace/name`) of our Ingresses, only when the namespace is
 * the Ingress's own: translation denies any other (annotations/proxy-ssl.ts), so it is never read.
 */
export function* proxySslSecrets({ ours, options }: ReferenceContext): Iterable<SecretRef> {
  const key = `${options.annotationsPrefix ?? DEFAULT_ANNOTATIONS_PREFIX}/proxy-ssl-secret`;
  for (const ingress of ours) {
    const value = ingress.annotations[key];
    if (typeof value !== 'string') continue;
    const parts = value.trim().split('/');
    if (parts.length === 2 && parts[0] === ingress.namespace && parts[1] !== '')
      yield { namespace: ingress.namespace, name: parts[1] as string };
  }
}

/**
 * The `auth-secret` annotation (`name` or `namespace/name`) of our Ingresses with auth-type, only in
 * the Ingress's own namespace: translation denies any other (annotations/basic-auth.ts).
 */
export function basicAuthSecrets({ ours, options }: ReferenceContext): Iterable<SecretRef> {
  const prefix = options.annotationsPrefix ?? DEFAULT_ANNOTATIONS_PREFIX;
  const refs: SecretRef[] = [];
  for (const ingress of ours) {
    if (typeof ingress.annotations[`${prefix}/auth-type`] !== 'string') continue;
    const value = ingress.annotations[`${prefix}/auth-secret`];
    if (typeof value !== 'string') continue;
    const parts = value.trim().split('/');
    const name =
      parts.length === 1 ? parts[0] : parts.length === 2 && parts[0] === ingress.namespace ? parts[1] : '';
    if (name !== undefined && name !== '') refs.push({ namespace: ingress.namespace, name, opaque: true });
  }
  return refs;
}

/**
 * The `auth-tls-secret` annotation (`namespace/name`) of our Ingresses, only in the Ingress's own
 * namespace (annotations/client-certificates.ts denies any other); any Secret type with `ca.crt`.
 */
export function* clientCaSecrets({ ours, options }: ReferenceContext): Iterable<SecretRef> {
  const key = `${options.annotationsPrefix ?? DEFAULT_ANNOTATIONS_PREFIX}/auth-tls-secret`;
  for (const ingress of ours) {
    const value = ingress.annotations[key];
    if (typeof value !== 'string') continue;
    const parts = value.trim().split('/');
    if (parts.length === 2 && parts[0] === ingress.namespace && parts[1] !== '')
      yield { namespace: ingress.namespace, name: parts[1] as string, opaque: true };
  }
}

/**
 * A RoutePolicy's basicAuth.secretRef and clientCertificate.caSecretRef (Opaque Secrets, as
 * auth-secret and auth-tls-secret), in the policy's own namespace, only when the policy targets an
 * Ingress of ours there: one that targets nothing of ours never has its Secrets read.
 */
export function policySecrets({ ours, policies }: ReferenceContext): Iterable<SecretRef> {
  const served = new Set(ours.map((i) => `${i.namespace}/${i.name}`));
  const refs: SecretRef[] = [];
  for (const raw of policies) {
    const policy = record(raw);
    const namespace = text(record(policy.metadata).namespace) ?? 'default';
    const spec = record(policy.spec);
    const targets = list(spec.targetRefs).map((ref) => text(record(ref).name));
    if (!targets.some((target) => served.has(`${namespace}/${target}`))) continue;
    const names = [
      text(record(record(spec.basicAuth).secretRef).name),
      text(record(record(spec.clientCertificate).caSecretRef).name),
    ];
    for (const name of names) if (name !== undefined) refs.push({ namespace, name, opaque: true });
  }
  return refs;
}

export const SECRET_REFERENCE_SOURCES: readonly SecretReferenceSource[] = [
  defaultCertificateSecret,
  ingressTlsSecrets,
  proxySslSecrets,
  basicAuthSecrets,
  clientCaSecrets,
  policySecrets,
];

/**
 * `namespace/name` of every Secret translation would load from these objects, in precedence order:
 * the default certificate, then the oldest Ingress's (lookup.ts), so a cap keeps the oldest objects'
 * Secrets. Names translation refuses (InvalidSecretName) are left out: they are never requested.
 * A reference that takes an Opaque Secret is keyed `opaque:namespace/name` (OPAQUE_REFERENCE).
 */
export function referencedSecrets(
  objects: ReferencingObjects,
  options: ReferenceOptions,
  sources: readonly SecretReferenceSource[] = SECRET_REFERENCE_SOURCES,
): Set<string> {
  const index = indexSnapshot({ ...objects, services: [], endpointSlices: [], secrets: [] });
  const ours = index.ingresses.filter((ingress) => isOurs(ingress, index.ingressClasses, options));
  const context: ReferenceContext = { ours, policies: list(objects.routePolicies), options };
  const keys = new Set<string>();
  for (const source of sources) {
    for (const { namespace, name, opaque } of source(context)) {
      if (!isLoadableSecret(namespace, name)) continue;
      keys.add(
        opaque === true ? `${OPAQUE_REFERENCE}${objectKey(namespace, name)}` : objectKey(namespace, name),
      );
    }
  }
  return keys;
}
