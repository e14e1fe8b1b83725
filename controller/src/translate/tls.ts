// Ingress spec.tls → per-host TLS. Following ingress-nginx, an Ingress's TLS applies to the hosts
// of that Ingress's own rules: a host listed in spec.tls[].hosts takes that entry's Secret, and a
// rule host no entry lists takes the Secret of an entry with an empty `hosts` list whose
// certificate covers it (the API defaults such entries to "the wildcard host"). The oldest
// Ingress wins a host that several give different certificates.
import type { Certificate, HostTls } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import { type CertificateCheck, type CertificateStore, certificateCovers } from './certificates.ts';
import { flagObject, ingressObject } from './diagnostics.ts';
import { list, record, sortedRecord, text } from './guard.ts';
import { normaliseHost } from './hosts.ts';
import { type IngressView, NAMESPACE } from './lookup.ts';

export interface IngressHosts {
  ingress: IngressView;
  /** The valid hosts this Ingress's rules name (the catch-all `*` included). */
  hosts: Set<string>;
}

export interface TlsResult {
  hostTls: Map<string, HostTls>;
  certificates: Record<string, Certificate>;
  defaultCertificate?: string;
  diagnostics: Diagnostic[];
}

interface Claim {
  ingress: IngressView;
  /** Field of the tls entry's host (explicit) or secretName (inferred), for diagnostics. */
  field: string;
  check: CertificateCheck | undefined;
}

export function assignTls(
  owners: IngressHosts[],
  store: CertificateStore,
  defaultSslCertificate: string | undefined,
): TlsResult {
  const diagnostics: Diagnostic[] = [];
  const certificates = new Map<string, Certificate>();
  const defaultCertificate = loadDefault(defaultSslCertificate, store, diagnostics);
  if (defaultCertificate !== undefined) {
    certificates.set(defaultCertificate.key, defaultCertificate.certificate);
  }

  // Claims per host in Ingress age order: `owners` is sorted oldest first.
  const claims = new Map<string, Claim[]>();
  for (const owner of owners) collectClaims(owner, store, claims, diagnostics);

  const hostTls = new Map<string, HostTls>();
  for (const [host, hostClaims] of claims) {
    const winner = hostClaims.find((c) => c.check?.ok === true);
    if (winner?.check?.ok) {
      const won = winner.check;
      certificates.set(won.key, won.certificate);
      hostTls.set(host, { certificate: won.key, redirect: true });
      for (const loser of hostClaims) {
        if (loser.check?.ok !== true || loser.check.key === won.key) continue;
        const object = ingressObject(loser.ingress.namespace, loser.ingress.name);
        diagnostics.push({
          object,
          field: loser.field,
          reason: 'TLSConflict',
          message:
            `host "${host}" already uses certificate ${won.key} from Ingress ` +
            `${winner.ingress.namespace}/${winner.ingress.name} (older, or first by namespace/name); ` +
            `${loser.check.key} is not used for it`,
        });
      }
    } else if (defaultCertificate !== undefined) {
      // The wanted certificate is unusable: offer HTTPS with the default one, but do not force
      // clients onto a certificate that was not chosen for this host.
      hostTls.set(host, { certificate: defaultCertificate.key, redirect: false });
    }
  }
  const result: TlsResult = { hostTls, certificates: sortedRecord(certificates), diagnostics };
  if (defaultCertificate !== undefined) result.defaultCertificate = defaultCertificate.key;
  return result;
}

function collectClaims(
  owner: IngressHosts,
  store: CertificateStore,
  claims: Map<string, Claim[]>,
  diagnostics: Diagnostic[],
): void {
  const { ingress, hosts } = owner;
  const object = ingressObject(ingress.namespace, ingress.name);
  const claim = (host: string, entry: Claim): void => {
    const queue = claims.get(host) ?? [];
    queue.push(entry);
    claims.set(host, queue);
  };
  const listed = new Set<string>();
  const hostless: Array<{ check: CertificateCheck; field: string }> = [];

  for (const [i, rawEntry] of list(ingress.spec.tls).entries()) {
    const entry = record(rawEntry);
    const secretField = `spec.tls[${i}].secretName`;
    // No secretName: TLS is wanted but left to the default certificate (the API allows this).
    let check: CertificateCheck | undefined;
    if (text(entry.secretName) !== undefined) {
      check = store.load(ingress.namespace, entry.secretName);
      if (!check.ok) {
        const message =
          check.reason === 'SecretNotFound'
            ? `${check.message}; an Ingress only uses Secrets of its own namespace`
            : check.message;
        diagnostics.push({ object, field: secretField, reason: check.reason, message });
      }
    }
    const entryHosts = list(entry.hosts);
    if (entryHosts.length === 0) {
      if (check?.ok) hostless.push({ check, field: secretField });
      continue;
    }
    for (const [k, rawHost] of entryHosts.entries()) {
      const field = `spec.tls[${i}].hosts[${k}]`;
      const normalised = typeof rawHost === 'string' && rawHost !== '' ? normaliseHost(rawHost) : undefined;
      if (normalised === undefined || !normalised.ok) {
        const message = normalised?.ok === false ? normalised.message : 'tls host must be a non-empty string';
        diagnostics.push({ object, field, reason: 'InvalidHost', message });
        continue;
      }
      const host = normalised.host;
      // TLS applies to this Ingress's own rule hosts only; another Ingress cannot take over a host's TLS.
      if (!hosts.has(host) || listed.has(host)) continue;
      listed.add(host);
      if (check?.ok && !certificateCovers(check.x509, host)) {
        diagnostics.push({
          object,
          field,
          reason: 'TLSHostMismatch',
          message:
            `certificate ${check.key} does not cover host "${host}" (subjectAltName: ` +
            `${check.x509.subjectAltName ?? 'none'}); the host is served without it`,
        });
        claim(host, { ingress, field, check: undefined });
        continue;
      }
      claim(host, { ingress, field, check });
    }
  }

  for (const host of [...hosts].sort()) {
    if (host === '*' || listed.has(host)) continue;
    const match = hostless.find((h) => h.check.ok && certificateCovers(h.check.x509, host));
    if (match !== undefined) claim(host, { ingress, field: match.field, check: match.check });
  }
}

function loadDefault(
  reference: string | undefined,
  store: CertificateStore,
  diagnostics: Diagnostic[],
): { key: string; certificate: Certificate } | undefined {
  if (reference === undefined || reference === '') return undefined;
  const object = flagObject('--default-ssl-certificate');
  const ref = defaultCertificateRef(reference);
  if (ref === undefined) {
    diagnostics.push({ object, reason: 'InvalidFlag', message: `"${reference}" is not namespace/name` });
    return undefined;
  }
  const check = store.load(ref.namespace, ref.name);
  if (!check.ok) {
    diagnostics.push({ object, reason: check.reason, message: check.message });
    return undefined;
  }
  return { key: check.key, certificate: check.certificate };
}

/** `--default-ssl-certificate` as namespace and name; undefined when it is not `namespace/name`. */
export function defaultCertificateRef(reference: string): { namespace: string; name: string } | undefined {
  const [namespace, name, ...rest] = reference.split('/');
  if (rest.length > 0 || !NAMESPACE.test(namespace) || !name) return undefined;
  return { namespace, name };
}
