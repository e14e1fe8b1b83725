// Certificate expiry for gatehouse_tls_certificate_expiry_timestamp_seconds, read from the PEM
// of each certificate in the table. Parsed once per distinct PEM, not once per push.
import { X509Certificate } from 'node:crypto';
import type { RouteTable } from '../../../dataplane/src/table/types.ts';

export interface CertificateExpiry {
  namespace: string;
  secret: string;
  notAfterSeconds: number;
}

const parsed = new Map<string, number | undefined>();

function notAfter(pem: string): number | undefined {
  if (!parsed.has(pem)) {
    let value: number | undefined;
    try {
      value = Math.floor(new X509Certificate(pem).validToDate.getTime() / 1000);
    } catch {
      value = undefined;
    }
    // Bounded: a table's certificates only; entries from older tables are not worth a sweep.
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(pem, value);
  }
  return parsed.get(pem);
}

/** `secret/NS/NAME` → namespace and secret; any other source (`self-signed`) has no namespace. */
export function secretOf(source: string): { namespace: string; secret: string } {
  const parts = source.split('/');
  if (parts.length === 3 && parts[0] === 'secret') return { namespace: parts[1], secret: parts[2] };
  return { namespace: '', secret: source };
}

export function certificateExpiries(table: RouteTable): CertificateExpiry[] {
  const out: CertificateExpiry[] = [];
  for (const certificate of Object.values(table.certificates)) {
    const seconds = notAfter(certificate.certPem);
    if (seconds === undefined) continue;
    out.push({ ...secretOf(certificate.source), notAfterSeconds: seconds });
  }
  return out;
}
