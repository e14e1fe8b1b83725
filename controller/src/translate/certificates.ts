// kubernetes.io/tls Secrets → table Certificates. Parsing with node:crypto is pure computation;
// it proves the PEM parses and the key belongs to the certificate before any worker sees it.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Certificate } from '../../../dataplane/src/table/types.ts';
import { record } from './guard.ts';
import { objectKey, type SnapshotIndex } from './lookup.ts';

export type CertificateCheck =
  | { ok: true; key: string; certificate: Certificate; x509: X509Certificate }
  | { ok: false; reason: string; message: string };

// Certificate keys are table names (schema: at most 253 characters).
const MAX_KEY_LENGTH = 253;
const TLS_SECRET_TYPE = 'kubernetes.io/tls';
const SECRET_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A DNS-1123 subdomain: what the API server accepts as a Secret's name. */
export function isSecretName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 253 && SECRET_NAME.test(name);
}

/** Whether `load` would look the Secret up at all: a valid name whose certificate key fits the table. */
export function isLoadableSecret(namespace: string, name: unknown): name is string {
  return isSecretName(name) && certificateKey(namespace, name).length <= MAX_KEY_LENGTH;
}

export function certificateKey(namespace: string, name: string): string {
  return `secret/${namespace}/${name}`;
}

/** Loads each Secret at most once per translation. */
export class CertificateStore {
  readonly #index: SnapshotIndex;
  readonly #now: Date | undefined;
  readonly #loaded = new Map<string, CertificateCheck>();

  constructor(index: SnapshotIndex, now: Date | undefined) {
    this.#index = index;
    this.#now = now;
  }

  /** The Secret `name` in `namespace`; a name is never read as `other-namespace/name`. */
  load(namespace: string, name: unknown): CertificateCheck {
    if (!isSecretName(name)) {
      return {
        ok: false,
        reason: 'InvalidSecretName',
        message:
          `secretName ${JSON.stringify(name) ?? 'undefined'} is not a Secret name; it must name a ` +
          `Secret in the Ingress's own namespace "${namespace}"`,
      };
    }
    if (certificateKey(namespace, name).length > MAX_KEY_LENGTH) {
      return {
        ok: false,
        reason: 'InvalidSecretName',
        message: `secretName "${name}" is too long: the route table names certificates in at most ${MAX_KEY_LENGTH} characters`,
      };
    }
    const key = objectKey(namespace, name);
    let check = this.#loaded.get(key);
    if (check === undefined) {
      check = this.#parse(namespace, name);
      this.#loaded.set(key, check);
    }
    return check;
  }

  #parse(namespace: string, name: string): CertificateCheck {
    const where = `Secret ${namespace}/${name}`;
    const secret = this.#index.secrets.get(objectKey(namespace, name));
    if (secret === undefined) {
      return {
        ok: false,
        reason: 'SecretNotFound',
        message: `${where} not found`,
      };
    }
    if (secret.type !== TLS_SECRET_TYPE) {
      return {
        ok: false,
        reason: 'InvalidSecretType',
        message: `${where} has type ${JSON.stringify(secret.type) ?? 'undefined'}, not ${TLS_SECRET_TYPE}`,
      };
    }
    const data = record(secret.data);
    const certPem = decodePem(data['tls.crt'], 'CERTIFICATE');
    const keyPem = decodePem(data['tls.key'], 'PRIVATE KEY');
    if (certPem === undefined || keyPem === undefined) {
      return {
        ok: false,
        reason: 'InvalidCertificate',
        message: `${where} needs base64 PEM data in "tls.crt" (a certificate) and "tls.key" (a private key)`,
      };
    }
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(certPem);
    } catch (error) {
      return { ok: false, reason: 'InvalidCertificate', message: `${where}: tls.crt: ${describe(error)}` };
    }
    try {
      if (!x509.checkPrivateKey(createPrivateKey(keyPem))) {
        return {
          ok: false,
          reason: 'CertificateKeyMismatch',
          message: `${where}: tls.key is not the private key of the certificate in tls.crt`,
        };
      }
    } catch (error) {
      return { ok: false, reason: 'InvalidCertificate', message: `${where}: tls.key: ${describe(error)}` };
    }
    const now = this.#now;
    if (now !== undefined && now.getTime() > x509.validToDate.getTime()) {
      return {
        ok: false,
        reason: 'CertificateExpired',
        message: `${where}: certificate expired on ${x509.validToDate.toISOString()}`,
      };
    }
    if (now !== undefined && now.getTime() < x509.validFromDate.getTime()) {
      return {
        ok: false,
        reason: 'CertificateNotYetValid',
        message: `${where}: certificate is valid only from ${x509.validFromDate.toISOString()}`,
      };
    }
    const key = certificateKey(namespace, name);
    return { ok: true, key, certificate: { certPem, keyPem, source: key }, x509 };
  }
}

/** Whether the certificate's SAN (or CN, without SAN) names `host`; `*.a.b` needs a `*.a.b` entry. */
export function certificateCovers(x509: X509Certificate, host: string): boolean {
  try {
    return x509.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

export function decodePem(value: unknown, label: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const pem = Buffer.from(value, 'base64').toString('utf8');
  return pem.includes('-----BEGIN ') && pem.includes(`${label}-----`) ? pem : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
