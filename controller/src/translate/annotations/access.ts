// Authentication, external authentication, client certificates and `satisfy`: every key restricts
// access, so until Gatehouse honours them an Ingress carrying one answers 503 (fail closed). Basic
// authentication (basic-auth.ts), auth-url (external-auth.ts), client certificates
// (client-certificates.ts) and satisfy (satisfy.ts) are honoured.
import { type AnnotationEntry, DOCS, FALSE_VALUES, family } from './types.ts';

export const basicAuth: AnnotationEntry[] = family(
  'Authentication',
  `${DOCS}#authentication`,
  [
    {
      key: 'auth-type',
      status: 'difference',
      note: 'basic: 401 with WWW-Authenticate until a user and password of auth-secret match; the Authorization header is not sent upstream, as nginx.tmpl. digest (a third-party nginx module in ingress-nginx) and any other or empty value: 503',
    },
    {
      key: 'auth-secret',
      status: 'difference',
      note: 'name or namespace/name, in the Ingress\'s own namespace only (ingress-nginx\'s default); a missing Secret or "auth" key: 503. Hashes: $apr1$, $1$, bcrypt $2a$/$2b$/$2y$ up to cost 12, {SHA}, {SSHA}, {PLAIN}, DES crypt; SHA-256/512 crypt ($5$/$6$) users cannot log in (a Warning names them)',
    },
    {
      key: 'auth-secret-type',
      status: 'supported',
      note: 'auth-file (default): an htpasswd file in the key "auth"; auth-map: each key a user, each value its hash; any other value: 503',
    },
    {
      key: 'auth-realm',
      status: 'difference',
      note: 'the realm of the challenge, quoted; ingress-nginx\'s characters only, else 503. A realm of "off", which turns nginx\'s auth_basic off, still asks for credentials here',
    },
  ],
  true,
);

export const externalAuth: AnnotationEntry[] = family(
  'External authentication',
  `${DOCS}#external-authentication`,
  [
    {
      key: 'auth-url',
      status: 'difference',
      note:
        'nginx auth_request: 2xx lets the request on, 401/403 reach the client, anything else is 500 (HTTP/1, HTTP/2, WebSocket). ' +
        'A Service of the Ingress’s namespace is reached at its endpoints; any other host through the address guard ' +
        '(no loopback, link-local, metadata or own address). nginx variables and user:password in the URL are refused (503)',
    },
    {
      key: 'auth-method',
      status: 'supported',
      note: 'with it, X-Original-URI and X-Scheme are sent too, as nginx.tmpl',
    },
    {
      key: 'auth-signin',
      status: 'difference',
      note: 'a 401 answers 302 to it with `rd=$scheme://$http_host$escaped_request_uri`; nginx variables in it are not expanded (invalid)',
    },
    { key: 'auth-signin-redirect-param', status: 'supported', note: 'default rd' },
    {
      key: 'auth-response-headers',
      status: 'supported',
      note: 'first value of each copied from a 2xx auth answer onto the upstream request, replacing the client’s',
    },
    {
      key: 'auth-proxy-set-headers',
      status: 'difference',
      note: "namespace/name of a ConfigMap of the Ingress's own namespace whose entries are set on the auth-url subrequest; values are literal (nginx variables refused); a missing ConfigMap or a bad entry answers 503, as ingress-nginx",
    },
    {
      key: 'auth-request-redirect',
      status: 'supported',
      note: 'X-Auth-Request-Redirect of the auth request; default the request URI',
    },
    {
      key: 'auth-cache-key',
      status: 'difference',
      note:
        'text and $remote_user, $remote_addr, $host, $request_uri, $uri, $args, $http_NAME, $cookie_NAME; any other variable is refused (503). ' +
        'Per route and worker, in memory (10000 entries, least recently used dropped), emptied when a new table arrives',
    },
    {
      key: 'auth-cache-duration',
      status: 'supported',
      note: 'nginx proxy_cache_valid lists, default "200 202 401 5m"',
    },
    {
      key: 'auth-keepalive',
      status: 'difference',
      note: 'connections to the auth service are always kept alive by the worker’s upstream pool; the value is not used',
    },
    {
      key: 'auth-keepalive-requests',
      status: 'difference',
      note: 'the worker’s upstream pool settings apply; the value is not used',
    },
    {
      key: 'auth-keepalive-timeout',
      status: 'difference',
      note: 'the worker’s upstream pool settings apply; the value is not used',
    },
    {
      key: 'auth-keepalive-share-vars',
      status: 'difference',
      note: 'Gatehouse has no nginx variables to share; the value is not used',
    },
    {
      key: 'auth-always-set-cookie',
      status: 'supported',
      note: 'the auth answer’s Set-Cookie on every answer (401/403/302 included), not only 2xx/3xx ones',
    },
    {
      key: 'auth-snippet',
      status: 'refused',
      note: 'raw nginx inside the auth location; Gatehouse never templates nginx configuration',
    },
  ],
  true,
);

// Global auth is a ConfigMap setting (global-auth-url) Gatehouse does not have, so neither value
// of this per-Ingress switch changes anything here.
export const globalAuth: AnnotationEntry[] = family(
  'External authentication',
  `${DOCS}#external-authentication`,
  [
    {
      key: 'enable-global-auth',
      status: 'difference',
      note: 'opts out of global-auth-url; Gatehouse has no global external auth, so both values leave the Ingress to its own auth-url',
    },
  ],
);

export const clientCertificates: AnnotationEntry[] = family(
  'Client certificate authentication',
  `${DOCS}#client-certificate-authentication`,
  [
    {
      key: 'auth-tls-secret',
      status: 'difference',
      note:
        'namespace/name in the Ingress\'s own namespace; its "ca.crt" (any Secret type). Per host, as nginx\'s server block: the oldest Ingress of the host sets it, and every route of the host (any Ingress) is checked. ' +
        'The handshake of that TLS name asks for a certificate, other names never do; no TLS session resumption on it. A request over plain HTTP or a connection made for another name has no certificate. ' +
        'A missing Secret or unreadable ca.crt: 503 for the host (ingress-nginx: 503 for the Ingress, 403 for the rest of its server)',
    },
    {
      key: 'auth-tls-verify-client',
      status: 'supported',
      note: 'on (default, also for an invalid value): no certificate or a failed one 400; optional: none passes, a failed one 400; optional_no_ca: any passes; off: none asked. HTTP/1.1, HTTP/2 and WebSocket alike',
      // `off` asks for no client certificate at all.
      unrestrictedValues: ['off'],
    },
    {
      key: 'auth-tls-verify-depth',
      status: 'supported',
      note: 'intermediates allowed between the client certificate and the CA; default 1 (also for 0 or an invalid value)',
    },
    {
      key: 'auth-tls-error-page',
      status: 'difference',
      note: 'an http(s) URL a failed verification is redirected to (302) instead of 400; a path (an nginx internal redirect) is invalid and ignored',
    },
    {
      key: 'auth-tls-pass-certificate-to-upstream',
      status: 'supported',
      note: "the URL-escaped PEM in ssl-client-cert; ssl-client-verify (SUCCESS, NONE, FAILED:reason), ssl-client-subject-dn and ssl-client-issuer-dn (RFC 2253) are always sent, replacing the client's. Not sent to auth-url",
      unrestrictedValues: FALSE_VALUES,
    },
    {
      key: 'auth-tls-match-cn',
      status: 'difference',
      note: 'RE2 syntax (a pattern RE2 refuses: 503), searched in the subject DN as nginx\'s `!~`, else 403; without "CN=" ignored as ingress-nginx does',
    },
  ],
  true,
);

export const satisfy: AnnotationEntry[] = family(
  'Satisfy',
  `${DOCS}#satisfy`,
  [
    {
      key: 'satisfy',
      status: 'supported',
      note: 'any: the source ranges or the authentication (auth-type basic, auth-url) let a request on; when both refuse, 401 wins over 403 as in nginx. all (default; also for any other value): both must. Not for auth-tls, checked before (nginx: at the server)',
    },
  ],
  true,
);
