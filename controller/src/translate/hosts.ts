// Ingress rule hosts: a DNS-1123 subdomain, or `*.` followed by one (IngressRule.host in
// networking.k8s.io/v1). Labels are also capped at 63 characters, as DNS and the table schema require.

export type HostCheck = { ok: true; host: string } | { ok: false; message: string };

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NUMERIC_LABEL = /^[0-9]+$/;

/** `host` lower-cased and checked; an absent or empty host is the catch-all `*`. */
export function normaliseHost(raw: unknown): HostCheck {
  if (raw === undefined || raw === null || raw === '') return { ok: true, host: '*' };
  if (typeof raw !== 'string') return { ok: false, message: 'host must be a string' };
  const host = raw.toLowerCase();
  if (host.length > 253) return { ok: false, message: `host "${raw}" is longer than 253 characters` };
  const name = host.startsWith('*.') ? host.slice(2) : host;
  const labels = name.split('.');
  if (!labels.every((label) => LABEL.test(label))) {
    return {
      ok: false,
      message:
        `host "${raw}" is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.'), ` +
        `optionally prefixed by "*."; ports, IP addresses and paths do not belong here`,
    };
  }
  if (labels.length === 4 && labels.every((label) => NUMERIC_LABEL.test(label))) {
    return { ok: false, message: `host "${raw}" is an IP address; Ingress hosts must be DNS names` };
  }
  return { ok: true, host };
}
