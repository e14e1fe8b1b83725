// Authentication, external authentication, client certificates and `satisfy`: every key restricts
// access, so until Gatehouse honours them an Ingress carrying one answers 503 (fail closed). Basic
// authentication is honoured (basic-auth.ts).
import { type AnnotationEntry, DOCS, FALSE_VALUES, family } from './types.ts';

const NEXT = 'not implemented yet (access-control annotations are the next issue)';

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
    { key: 'auth-url', status: 'pending', note: `subrequest to an external auth service: ${NEXT}` },
    { key: 'auth-method', status: 'pending', note: `HTTP method of the auth subrequest: ${NEXT}` },
    { key: 'auth-signin', status: 'pending', note: `where a 401 from auth-url redirects: ${NEXT}` },
    {
      key: 'auth-signin-redirect-param',
      status: 'pending',
      note: `query parameter naming the original URL: ${NEXT}`,
    },
    {
      key: 'auth-response-headers',
      status: 'pending',
      note: `auth response headers copied upstream: ${NEXT}`,
    },
    {
      key: 'auth-proxy-set-headers',
      status: 'pending',
      note: `headers from a ConfigMap sent to auth-url: ${NEXT}`,
    },
    {
      key: 'auth-request-redirect',
      status: 'pending',
      note: `X-Auth-Request-Redirect sent to auth-url: ${NEXT}`,
    },
    { key: 'auth-cache-key', status: 'pending', note: `cache of auth-url answers: ${NEXT}` },
    { key: 'auth-cache-duration', status: 'pending', note: `lifetime of cached auth-url answers: ${NEXT}` },
    { key: 'auth-keepalive', status: 'pending', note: `keep-alive connections to auth-url: ${NEXT}` },
    {
      key: 'auth-keepalive-requests',
      status: 'pending',
      note: `requests per keep-alive connection to auth-url: ${NEXT}`,
    },
    {
      key: 'auth-keepalive-timeout',
      status: 'pending',
      note: `idle timeout of connections to auth-url: ${NEXT}`,
    },
    {
      key: 'auth-keepalive-share-vars',
      status: 'pending',
      note: `share auth subrequest variables: ${NEXT}`,
      unrestrictedValues: FALSE_VALUES,
    },
    {
      key: 'auth-always-set-cookie',
      status: 'pending',
      note: `Set-Cookie from auth-url on every answer: ${NEXT}`,
      unrestrictedValues: FALSE_VALUES,
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
// of this per-Ingress switch can restrict anything here.
export const globalAuth: AnnotationEntry[] = family(
  'External authentication',
  `${DOCS}#external-authentication`,
  [
    {
      key: 'enable-global-auth',
      status: 'pending',
      note: 'opts out of global-auth-url; Gatehouse has no global external auth, so there is nothing to opt out of',
    },
  ],
);

export const clientCertificates: AnnotationEntry[] = family(
  'Client certificate authentication',
  `${DOCS}#client-certificate-authentication`,
  [
    {
      key: 'auth-tls-secret',
      status: 'pending',
      note: `CA Secret clients must present a certificate from: ${NEXT}`,
    },
    {
      key: 'auth-tls-verify-client',
      status: 'pending',
      note: `on, optional, optional_no_ca or off: ${NEXT}`,
      // `off` asks for no client certificate at all.
      unrestrictedValues: ['off'],
    },
    {
      key: 'auth-tls-verify-depth',
      status: 'pending',
      note: `depth of the client certificate chain: ${NEXT}`,
    },
    {
      key: 'auth-tls-error-page',
      status: 'pending',
      note: `where a failed client verification redirects: ${NEXT}`,
    },
    {
      key: 'auth-tls-pass-certificate-to-upstream',
      status: 'pending',
      note: `client certificate in the ssl-client-cert header: ${NEXT}`,
      unrestrictedValues: FALSE_VALUES,
    },
    {
      key: 'auth-tls-match-cn',
      status: 'pending',
      note: `regex the client certificate CN must match: ${NEXT}`,
    },
  ],
  true,
);

export const satisfy: AnnotationEntry[] = family(
  'Satisfy',
  `${DOCS}#satisfy`,
  [{ key: 'satisfy', status: 'pending', note: `all or any of auth and IP lists must pass: ${NEXT}` }],
  true,
);
