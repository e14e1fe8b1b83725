// HostTls.clientCertificate (ingress-nginx auth-tls-*, annotations.md "Client Certificate
// Authentication"): the verdict on the certificate a TLS connection presented, judged per request
// as nginx does (ngx_http_request.c: no certificate under `on` is 496, a failed verification 495,
// both answered 400 unless auth-tls-error-page redirects), and the headers nginx.tmpl sends upstream.
import type { IncomingMessage } from 'node:http';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { compileBoundedRegex, MAX_REGEX_INPUT, type UserRegex } from '../router/regex.ts';
import type { ClientCertificate } from '../table/types.ts';
import { sessionTlsSocket } from './peer.ts';

export interface CompiledClientCertificate {
  readonly settings: ClientCertificate;
  /** undefined when the table has no match-cn, or when it does not compile (then every request is 503). */
  readonly matchCN: UserRegex | undefined;
  /** The CA is missing or invalid, or match-cn does not compile: fail closed (503). */
  readonly broken: boolean;
}

const compiled = new WeakMap<ClientCertificate, CompiledClientCertificate>();

/** Once per table object: the routes of one host share it. */
export function compileClientCertificate(
  settings: ClientCertificate | undefined,
): CompiledClientCertificate | undefined {
  if (settings === undefined) return undefined;
  let done = compiled.get(settings);
  if (done === undefined) {
    // nginx's `$ssl_client_s_dn !~ pattern` finds the pattern anywhere in the DN: unanchored. The
    // source alone is checked first, so the wrapper cannot change how it parses.
    const alone = settings.matchCN === undefined ? undefined : compileBoundedRegex(settings.matchCN, 'start');
    const re = alone?.ok === true ? compileBoundedRegex(`(?s:.)*?(?:${settings.matchCN})`, 'start') : alone;
    done = {
      settings,
      matchCN: re?.ok === true ? re.re : undefined,
      broken: settings.caPem === undefined || re?.ok === false,
    };
    compiled.set(settings, done);
  }
  return done;
}

/** What nginx's $ssl_client_verify says, and the certificate it judged. */
export interface ClientVerdict {
  /** `SUCCESS`, `NONE` or `FAILED:reason`. */
  verify: string;
  certificate: DetailedPeerCertificate | undefined;
}

/** The TLS socket of an HTTP/1 request or of an HTTP/2 stream's session; undefined over plain HTTP. */
export function tlsSocketOf(req: IncomingMessage): TLSSocket | undefined {
  const h2 = sessionTlsSocket(req);
  if (h2 !== undefined) return h2;
  const socket = req.socket as Partial<TLSSocket> | undefined;
  return typeof socket?.getPeerCertificate === 'function' ? (socket as TLSSocket) : undefined;
}

/**
 * OpenSSL's verdict on the handshake's certificate (made against the host's CA: tls/contexts.ts),
 * and nginx's ssl_verify_depth: at most `depth` certificates between the client's and the CA's.
 */
export function verifyClient(socket: TLSSocket | undefined, depth: number): ClientVerdict {
  if (socket === undefined) return { verify: 'NONE', certificate: undefined };
  const certificate = socket.getPeerCertificate(true);
  if (certificate === null || certificate.raw === undefined)
    return { verify: 'NONE', certificate: undefined };
  if (!socket.authorized)
    return { verify: `FAILED:${String(socket.authorizationError ?? 'unable to verify')}`, certificate };
  let intermediates = -1;
  let at: DetailedPeerCertificate | undefined = certificate;
  // The last of the chain is the trust anchor, whose issuerCertificate is itself.
  while (at !== undefined && at.issuerCertificate !== at && intermediates <= depth) {
    intermediates++;
    at = at.issuerCertificate;
  }
  if (intermediates > depth) return { verify: 'FAILED:certificate chain too long', certificate };
  return { verify: 'SUCCESS', certificate };
}

/** nginx's $ssl_client_s_dn / $ssl_client_i_dn: RFC 2253 order (most specific first), comma-joined. */
export function distinguishedName(fields: object | undefined): string {
  if (fields === undefined) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${escapeDn(String(v))}`);
  }
  return parts.reverse().join(',');
}

/** RFC 4514 §2.4: `,+"\<>;` escaped, and a leading `#` or space and a trailing space. */
function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;]|^[#\s]|\s$/g, (c) => `\\${c}`);
}

/** Whether the subject DN matches auth-tls-match-cn (unanchored at the end, as nginx's `~`). */
export function subjectMatches(re: UserRegex, subject: string): boolean {
  if (subject.length > MAX_REGEX_INPUT) return false;
  return re.matcher(subject).find();
}

/**
 * nginx.tmpl's proxy_set_header lines for a host with auth-tls-secret, as name/value pairs with
 * lower-case names (they replace the client's own).
 */
export function clientHeaders(verdict: ClientVerdict, passCertificate: boolean): string[] {
  const cert = verdict.certificate;
  const headers = [
    'ssl-client-verify',
    verdict.verify,
    'ssl-client-subject-dn',
    distinguishedName(cert?.subject),
    'ssl-client-issuer-dn',
    distinguishedName(cert?.issuer),
  ];
  // $ssl_client_escaped_cert: the PEM, URL-escaped; empty without a certificate.
  if (passCertificate) headers.push('ssl-client-cert', cert === undefined ? '' : escapedPem(cert.raw));
  return headers;
}

function escapedPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
  return encodeURIComponent(pem);
}
