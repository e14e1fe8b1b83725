// auth-tls-secret, auth-tls-verify-client, auth-tls-verify-depth, auth-tls-error-page,
// auth-tls-pass-certificate-to-upstream, auth-tls-match-cn (ingress-nginx annotations.md "Client
// Certificate Authentication", internal/ingress/annotations/authtls/main.go; nginx.tmpl sets them
// per server block, from the first Ingress of the host that has them). Parsing is pure; the CA
// Secret is read when the snapshot is at hand, from the Ingress's own namespace only.
import { X509Certificate } from 'node:crypto';
import { RE2JS } from 're2js';
import {
  type ClientCertificate,
  type ClientVerify,
  type HostRoutes,
  MAX_REGEX_SOURCE,
} from '../../../../dataplane/src/table/types.ts';
import { decodePem, isLoadableSecret } from '../certificates.ts';
import { record } from '../guard.ts';
import type { IngressView } from '../lookup.ts';
import { objectKey, type SnapshotIndex } from '../lookup.ts';
import type { AnnotationValues } from './values.ts';

/** What the annotations ask; the CA is read later. */
export interface ClientCertificateRequest {
  /** The CA Secret's name, in the Ingress's namespace. */
  readonly secret: string;
  readonly settings: Omit<ClientCertificate, 'caPem'>;
}

const VERIFY: readonly ClientVerify[] = ['on', 'off', 'optional', 'optional_no_ca'];
/** authtls defaultAuthTLSDepth. */
const DEFAULT_DEPTH = 1;
/** The table's bound (dataplane/src/table/schema.ts). */
const MAX_DEPTH = 100;

/**
 * The auth-tls-* annotations, undefined without auth-tls-secret (authtls Parse then returns an
 * empty config: the others are ignored), or 'denied' when the Secret reference cannot be used
 * (ingress-nginx LocationDenied: 503).
 */
export function parseClientCertificate(
  values: AnnotationValues,
  namespace: string,
): ClientCertificateRequest | 'denied' | undefined {
  const text = values.text('auth-tls-secret');
  if (text === undefined) return undefined;
  // k8s.ParseNameNS: exactly namespace/name; AllowCrossNamespaceResources is off by default.
  const parts = text.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    values.denied('auth-tls-secret', text, 'it is not namespace/name');
    return 'denied';
  }
  const [ns, name] = parts as [string, string];
  if (ns !== namespace) {
    values.denied(
      'auth-tls-secret',
      text,
      `only Secrets of the Ingress's own namespace "${namespace}" are read`,
    );
    return 'denied';
  }
  if (!isLoadableSecret(namespace, name)) {
    values.denied('auth-tls-secret', text, 'it is not a valid Secret name');
    return 'denied';
  }
  // authtls: an invalid verify-client falls back to `on`, the strictest.
  const verifyText = values.text('auth-tls-verify-client');
  let verify: ClientVerify = 'on';
  if (verifyText !== undefined) {
    if ((VERIFY as readonly string[]).includes(verifyText)) verify = verifyText as ClientVerify;
    else
      values.invalid('auth-tls-verify-client', verifyText, 'it must be on, off, optional or optional_no_ca');
  }
  // authtls: not an integer, or 0, is the default 1.
  const depthText = values.text('auth-tls-verify-depth');
  let depth = DEFAULT_DEPTH;
  if (depthText !== undefined) {
    const n = /^\d+$/.test(depthText) ? Number(depthText) : Number.NaN;
    if (n >= 1 && n <= MAX_DEPTH) depth = n;
    else if (n !== 0)
      values.invalid('auth-tls-verify-depth', depthText, `it must be an integer from 1 to ${MAX_DEPTH}`);
  }
  const settings: ClientCertificateRequest['settings'] = {
    verify,
    depth,
    passCertificate: values.boolean('auth-tls-pass-certificate-to-upstream') === true,
  };
  const page = values.text('auth-tls-error-page');
  if (page !== undefined) {
    if (isRedirectUrl(page)) settings.errorPage = page;
    else
      values.invalid(
        'auth-tls-error-page',
        page,
        'it must be an http:// or https:// URL (a failed verification answers 400)',
      );
  }
  const cn = values.text('auth-tls-match-cn');
  if (cn !== undefined) {
    // authtls commonNameRegex: a pattern without "CN=" is ignored.
    // The worker runs it on RE2 (dataplane/src/router/regex.ts); checked here so the owner is told.
    const refusal = re2Refusal(cn);
    if (!cn.includes('CN='))
      values.invalid('auth-tls-match-cn', cn, 'it must contain "CN=" (ingress-nginx ignores it otherwise)');
    else if (refusal !== undefined) {
      values.denied('auth-tls-match-cn', cn, refusal);
      return 'denied';
    } else settings.matchCN = cn;
  }
  return { secret: name, settings };
}

function re2Refusal(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_SOURCE) return `the pattern is longer than ${MAX_REGEX_SOURCE} characters`;
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return `RE2 refuses it (${(error as Error).message})`;
  }
}

/** nginx `error_page 495 496 = URL` redirects (302) only for a URL with a scheme. */
function isRedirectUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  // Nothing that could end or split the Location header line (the data plane's isSafeLocation).
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) return false;
  }
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export type ClientCaResolution = { ok: true; caPem: string } | { ok: false; message: string };

/** The `ca.crt` of the Secret (any type, as resolver GetAuthCertificate): PEM certificates OpenSSL can read. */
export function resolveClientCa(
  request: ClientCertificateRequest,
  namespace: string,
  index: SnapshotIndex,
): ClientCaResolution {
  const where = `Secret ${namespace}/${request.secret}`;
  const secret = index.secrets.get(objectKey(namespace, request.secret));
  if (secret === undefined)
    return { ok: false, message: `auth-tls-secret: ${where} is not found; the host answers 503` };
  const caPem = decodePem(record(secret.data)['ca.crt'], 'CERTIFICATE');
  if (caPem === undefined)
    return {
      ok: false,
      message: `auth-tls-secret: ${where} has no PEM certificate in "ca.crt"; the host answers 503`,
    };
  try {
    new X509Certificate(caPem);
  } catch (error) {
    return {
      ok: false,
      message: `auth-tls-secret: ${where}: ca.crt: ${(error as Error).message}; the host answers 503`,
    };
  }
  return { ok: true, caPem };
}

/** One Ingress's client certificate settings for its hosts, in route precedence order (oldest first). */
export interface ClientCertificateClaim {
  ingress: IngressView;
  hosts: ReadonlySet<string>;
  /** Without caPem when the CA cannot be read: every request of the host then answers 503. */
  settings: ClientCertificate;
}

/** nginx.tmpl's server block: the first Ingress of a host with auth-tls-secret sets it for the whole host. */
export function applyClientCertificates(
  hosts: HostRoutes[],
  claims: readonly ClientCertificateClaim[],
): void {
  const byName = new Map(hosts.map((h) => [h.host, h]));
  for (const { hosts: names, settings } of claims) {
    for (const name of names) {
      const entry = byName.get(name);
      if (entry !== undefined && entry.clientCertificate === undefined) entry.clientCertificate = settings;
    }
  }
}
