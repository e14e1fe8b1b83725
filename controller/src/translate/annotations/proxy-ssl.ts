// TLS to HTTPS backends: ingress-nginx's proxy-ssl-* annotations (annotations.md#backend-certificate-
// authentication, internal/ingress/annotations/proxyssl). Parsing is pure; the Secret is read when
// the snapshot is at hand (resolveProxySsl), from the Ingress's own namespace only.
import { X509Certificate } from 'node:crypto';
import type { BackendTls, Certificate } from '../../../../dataplane/src/table/types.ts';
import { type CertificateStore, decodePem } from '../certificates.ts';
import { record } from '../guard.ts';
import { objectKey, type SnapshotIndex } from '../lookup.ts';
import type { AnnotationValues } from './values.ts';

/** What the annotations ask; the Secret is resolved later. `denied`: why the routes answer 503. */
export interface ProxySslRequest {
  secret?: { namespace: string; name: string };
  denied?: string;
  tls: BackendTls;
}

/** ingress-nginx proxySSLProtocolRegex's versions; TLSv1 and 1.1 are not offered by Node anyway. */
const PROTOCOLS = /^(TLSv1\.2|TLSv1\.3| )*$/;
/** ingress-nginx proxySSLCiphersRegex: OpenSSL cipher list syntax. */
const CIPHERS = /^[A-Za-z0-9+:_\-!]*$/;
/** ingress-nginx parser.ValidateServerName: a DNS name, possibly a wildcard. */
const SERVER_NAME =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * The proxy-ssl-* annotations, or undefined when none is set. Differences from ingress-nginx, which
 * reads the others only with proxy-ssl-secret: here `proxy-ssl-verify: on` without a Secret verifies
 * against the system roots (never silently unverified), and `proxy-ssl-name` is also the SNI.
 */
export function parseProxySsl(values: AnnotationValues, namespace: string): ProxySslRequest | undefined {
  const secretText = values.text('proxy-ssl-secret');
  const verify = values.option('proxy-ssl-verify', ['on', 'off'] as const) === 'on';
  const name = serverName(values);
  values.option('proxy-ssl-server-name', ['on', 'off'] as const);
  values.integer('proxy-ssl-verify-depth', { type: 'integer', minimum: 0 });
  const ciphers = values.text('proxy-ssl-ciphers');
  if (ciphers !== undefined && !CIPHERS.test(ciphers))
    values.invalid('proxy-ssl-ciphers', ciphers, 'it is not an OpenSSL cipher list');
  const versions = protocols(values);
  if (secretText === undefined && !verify && name === undefined && versions === undefined) return undefined;

  const tls: BackendTls = { verify, ...versions };
  if (name !== undefined) tls.serverName = name;
  const request: ProxySslRequest = { tls };
  if (secretText === undefined) return request;
  // k8s.ParseNameNS: exactly `namespace/name`; another namespace is denied (AllowCrossNamespaceResources off).
  const parts = secretText.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    request.denied = `proxy-ssl-secret "${secretText}" is not namespace/secretName; the routes answer 503`;
  } else if (parts[0] !== namespace) {
    request.denied =
      `proxy-ssl-secret "${secretText}" is in another namespace; only Secrets of the Ingress's own ` +
      `namespace "${namespace}" are read, and the routes answer 503`;
  } else request.secret = { namespace, name: parts[1] as string };
  return request;
}

function serverName(values: AnnotationValues): string | undefined {
  const name = values.text('proxy-ssl-name');
  if (name === undefined) return undefined;
  if (name.length > 253 || !SERVER_NAME.test(name))
    return values.invalid('proxy-ssl-name', name, 'it is not a DNS name');
  return name.toLowerCase();
}

/** proxy-ssl-protocols → the lowest and highest version listed (Node offers a contiguous range). */
function protocols(values: AnnotationValues): Pick<BackendTls, 'minVersion' | 'maxVersion'> | undefined {
  const text = values.text('proxy-ssl-protocols');
  if (text === undefined) return undefined;
  const listed = text.split(/\s+/).filter((v) => v !== '');
  if (!PROTOCOLS.test(text) || listed.length === 0) {
    values.invalid('proxy-ssl-protocols', text, 'Gatehouse offers TLSv1.2 and TLSv1.3 to backends');
    return undefined;
  }
  const min = listed.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
  const max = listed.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2';
  return { minVersion: min, maxVersion: max };
}

export type ProxySslResolution =
  | { ok: true; tls: BackendTls; certificate?: { key: string; certificate: Certificate } }
  | { ok: false; message: string };

/**
 * The request with its Secret read: `ca.crt` verifies the backend, `tls.crt`/`tls.key` are the client
 * certificate. A missing or unusable Secret denies the routes (503), as ingress-nginx's
 * LocationDenied: a backend the owner asked to authenticate is never reached unauthenticated.
 */
export function resolveProxySsl(
  request: ProxySslRequest,
  store: CertificateStore,
  index: SnapshotIndex,
): ProxySslResolution {
  if (request.denied !== undefined) return { ok: false, message: request.denied };
  const tls: BackendTls = { ...request.tls };
  const ref = request.secret;
  if (ref === undefined) return { ok: true, tls };
  const loaded = store.load(ref.namespace, ref.name);
  if (!loaded.ok) {
    return {
      ok: false,
      message: `proxy-ssl-secret: ${loaded.message} (${loaded.reason}); the routes answer 503`,
    };
  }
  const data = record(index.secrets.get(objectKey(ref.namespace, ref.name))?.data);
  if (data['ca.crt'] !== undefined) {
    const caPem = decodePem(data['ca.crt'], 'CERTIFICATE');
    if (caPem === undefined || !parses(caPem)) {
      return {
        ok: false,
        message: `proxy-ssl-secret: Secret ${ref.namespace}/${ref.name} has a "ca.crt" that is not a PEM certificate; the routes answer 503`,
      };
    }
    tls.caPem = caPem;
  }
  tls.clientCertificate = loaded.key;
  return { ok: true, tls, certificate: { key: loaded.key, certificate: loaded.certificate } };
}

function parses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
