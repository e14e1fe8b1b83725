// The route table: the one contract between a producer (the controller's translators) and the
// data plane. Plain, serialisable, versioned; it speaks HTTP, not Kubernetes. Fields that no
// producer sets yet are still part of the shape so that later sources (annotations, RoutePolicy,
// Gateway API HTTPRoute) fill them without a redesign. The JSON Schema in schema.ts mirrors it.

/** Longest user regex (RE2 syntax) a table may carry: the worker refuses longer ones, the controller says so first. */
export const MAX_REGEX_SOURCE = 1024;

/** Largest `subsetSize` of a ConsistentHash policy (schema.ts says the same). */
export const MAX_HASH_SUBSET = 10_000;

export interface RouteTable {
  /** Monotonic per producer; a worker acks the version it serves. */
  version: number;
  /** Hosts with their routes; at most one entry per `host` string. */
  hosts: HostRoutes[];
  /** Upstream services, referenced by key from routes. */
  backends: Record<string, Backend>;
  /** TLS material, referenced by key from hosts. */
  certificates: Record<string, Certificate>;
  /** Certificate key served to clients whose SNI matches no host with a certificate. */
  defaultCertificate?: string;
  /** Route for requests whose host has no entry (or whose host entry matched no path). */
  defaultRoute?: Route;
}

export interface HostRoutes {
  /**
   * Lower-case DNS name without port: `example.com`, a wildcard `*.example.com` (exactly one
   * extra label), or `*` for rules that name no host.
   */
  host: string;
  routes: Route[];
  /** Used when no route of this host matches the request. */
  fallback?: Route;
  tls?: HostTls;
  /**
   * TLS connections whose ClientHello names this host (SNI, exact match) are not terminated: their
   * bytes go to an endpoint of `backend` as they are (ingress-nginx ssl-passthrough). Plain HTTP
   * to the host is still served by `routes`.
   */
  passthrough?: HostPassthrough;
  /**
   * Client certificates asked for in the handshake of this host's TLS name and verified for each
   * of its requests (ingress-nginx auth-tls-*, per server block). A request without TLS, or over a
   * connection made for another name, has no certificate.
   */
  clientCertificate?: ClientCertificate;
}

export interface HostPassthrough {
  /** Key into `RouteTable.backends`. */
  backend: string;
}

export interface HostTls {
  /** Key into `RouteTable.certificates`. */
  certificate: string;
  /** Plain-HTTP requests to this host are redirected to HTTPS with this status (308 by default). */
  redirectStatus?: 301 | 302 | 307 | 308;
  /** When false, plain HTTP is served as well. */
  redirect: boolean;
  /**
   * OpenSSL cipher list for TLS 1.2 handshakes with this host (nginx ssl_ciphers); TLS 1.3 suites
   * are configured apart in OpenSSL and keep the listener's. Absent: the listener's list.
   */
  ciphers?: string;
  /** nginx ssl_prefer_server_ciphers: the server's cipher order wins (the listener's default: true). */
  preferServerCiphers?: boolean;
}

/**
 * nginx ssl_verify_client: `on` requires a certificate, `optional` verifies one if sent,
 * `optional_no_ca` takes any, `off` asks for none (the ssl-client-* headers still say NONE).
 */
export type ClientVerify = 'on' | 'optional' | 'optional_no_ca' | 'off';

export interface ClientCertificate {
  /** PEM of the CA certificates a client's chain must end at; absent: the CA Secret is missing or invalid, every request is answered 503. */
  caPem?: string;
  verify: ClientVerify;
  /** nginx ssl_verify_depth: certificates allowed in the client's chain below the CA. */
  depth: number;
  /** Where a failed verification is redirected (302) instead of answered 400. */
  errorPage?: string;
  /** Send the URL-escaped PEM upstream in `ssl-client-cert`. */
  passCertificate: boolean;
  /** RE2 pattern the subject DN must match (nginx `$ssl_client_s_dn !~`), else 403. */
  matchCN?: string;
}

export interface Route {
  /** Stable identity for diagnostics and logs, e.g. `ingress/ns/name/0/1`. */
  id: string;
  /** The object this route came from: bounded metric labels (`namespace`, `ingress`). */
  source: RouteSource;
  match: RouteMatch;
  /** Weighted backend groups; an empty list answers 503. */
  backends: WeightedBackend[];
  /** Applied in order. */
  filters: Filter[];
  timeouts?: Timeouts;
  retry?: RetryPolicy;
  /** Largest request body accepted, in bytes (413 beyond it, enforced while streaming). */
  maxRequestBodyBytes?: number;
  /**
   * Overrides the host's HTTP→HTTPS redirect (`HostTls.redirect`) for the requests this route
   * matches: true redirects even without TLS (ingress-nginx force-ssl-redirect), false serves plain
   * HTTP (ssl-redirect "false"). ingress-nginx decides it per location, not per host.
   */
  httpsRedirect?: boolean;
  /** How the HTTP→HTTPS redirect of this route's requests writes its Location (ingress-nginx annotations). */
  httpsRedirectForm?: HttpsRedirectForm;
  /** False: this route's requests are left out of the access log (ingress-nginx `enable-access-log`). */
  accessLog?: boolean;
  /** Upstream answers served by an error backend instead (ingress-nginx `custom-http-errors`). */
  errorPages?: ErrorPages;
  /** Location, Refresh and Set-Cookie of upstream answers, rewritten (ingress-nginx proxy-redirect-*, proxy-cookie-*). */
  responseRewrites?: ResponseRewrites;
  /** Which client addresses may use this route (ingress-nginx *-source-range, snippet allow/deny). */
  clientAccess?: ClientAccess;
  /** Cross-origin answers: preflights answered by the proxy, CORS headers on upstream answers (ingress-nginx enable-cors). */
  cors?: CorsPolicy;
  /** HTTP Basic authentication against htpasswd hashes (ingress-nginx auth-type basic). */
  basicAuth?: BasicAuth;
  /** Each request is first asked of an auth service (ingress-nginx auth-url, nginx auth_request). */
  externalAuth?: ExternalAuth;
  /**
   * nginx `satisfy any` (ingress-nginx `satisfy`): a request the clientAccess rules OR the
   * authentication (basicAuth, externalAuth) lets on is served. Absent: both must (`satisfy all`).
   */
  satisfy?: 'any';
  /** Requests and requests in progress per client address (ingress-nginx limit-rps/-rpm/-connections). */
  rateLimit?: RateLimit;
  /** Requests per window per client address across every replica (ingress-nginx global-rate-limit). */
  globalRateLimit?: GlobalRateLimit;
  /**
   * Strict-Transport-Security value set on this route's answers over TLS only (RFC 6797 §7.2: never
   * over plain HTTP), e.g. `max-age=31536000; includeSubDomains` (a RoutePolicy's hsts).
   */
  hsts?: string;
}

/**
 * A fixed window per client address, counted in the store of `--rate-limit-store` (Redis) so every
 * replica shares it; excess answered 429 (ingress-nginx's global-rate-limit-status-code). Without a
 * reachable store each replica counts alone (its primary), and says so.
 */
export interface GlobalRateLimit {
  /** The budget's name (ingress-nginx: one per Ingress). */
  zone: string;
  limit: number;
  windowSeconds: number;
  /** Client addresses and CIDRs never counted (global-rate-limit-ignored-cidrs). */
  exempt?: string[];
}

/**
 * nginx's limit_req (`burst nodelay`) and limit_conn keyed by the client address (the peer, or the
 * address `--trusted-proxies` vouch for), answered 503 beyond the limit (ingress-nginx's
 * limit-req-status-code and limit-conn-status-code). One budget per replica, shared by its workers.
 */
export interface RateLimit {
  /** The budget's name: routes naming the same zone share it (ingress-nginx: one zone per Ingress). */
  zone: string;
  /** Requests per second; the burst is burstMultiplier × rps. */
  rps?: number;
  /** Requests per minute; the burst is burstMultiplier × rpm. Both apply when both are set. */
  rpm?: number;
  burstMultiplier: number;
  /** The rps bucket's burst (nginx `burst=`), in place of burstMultiplier × rps (a RoutePolicy's rateLimit.burst). */
  burst?: number;
  /** The answer past the limit; absent: 503 (ingress-nginx limit-req-status-code). A RoutePolicy's default is 429. */
  statusCode?: number;
  /** Requests in progress at once per client address. */
  connections?: number;
  /** Client addresses and CIDRs no limit applies to (ingress-nginx limit-allowlist). */
  exempt?: string[];
}

/**
 * HTTP Basic authentication (RFC 7617) as nginx's auth_basic: a request without a matching user
 * and password is answered 401 with `WWW-Authenticate: Basic realm="…"`. The table holds hashes
 * only (table/password-hash.ts lists the formats), never passwords.
 */
export interface BasicAuth {
  realm: string;
  /** A user listed twice: the first entry is the one checked, as nginx reads the file top down. */
  users: BasicAuthUser[];
}

export interface BasicAuthUser {
  user: string;
  hash: string;
}

/**
 * nginx auth_request as ingress-nginx's auth-url writes it: a bodiless subrequest to an endpoint of
 * `backend`; a 2xx answer lets the request go on, 401 and 403 are answered to the client, anything
 * else (the auth service failing included) is answered 500. A missing backend fails closed.
 */
export interface ExternalAuth {
  /** Key into `RouteTable.backends`. */
  backend: string;
  /** Path and query of auth-url. */
  path: string;
  /** Host header of the subrequest: auth-url's host[:port]. */
  hostname: string;
  /** auth-method; absent: the client's method, as an nginx subrequest inherits it. */
  method?: string;
  /** auth-signin: a 401 redirects (302) here with the original URL in `signinRedirectParam`. */
  signin?: string;
  /** auth-signin-redirect-param; default `rd`. */
  signinRedirectParam?: string;
  /** auth-response-headers: lower-case names copied from a 2xx auth answer onto the upstream request. */
  responseHeaders?: string[];
  /** auth-request-redirect: X-Auth-Request-Redirect of the subrequest; absent: the request URI. */
  requestRedirect?: string;
  /** auth-always-set-cookie: the auth answer's Set-Cookie on every answer, not only on successful ones. */
  alwaysSetCookie?: boolean;
  /** auth-cache-key / auth-cache-duration: answers kept per key. */
  cache?: ExternalAuthCache;
  /** auth-proxy-set-headers: set on the subrequest (nginx proxy_set_header), replacing any of the name. */
  proxySetHeaders?: HeaderValue[];
}

export interface ExternalAuthCache {
  /** The key, text and request values in order (nginx variables, typed). */
  key: ExternalAuthKeyPart[];
  /** How long answers of each status are kept (nginx proxy_cache_valid). */
  durations: Array<{ statuses: number[]; seconds: number }>;
}

export type ExternalAuthKeyPart =
  | { text: string }
  | { variable: 'remote_addr' | 'remote_user' | 'host' | 'request_uri' | 'uri' | 'args' }
  | { header: string }
  | { cookie: string };

/**
 * CORS (Fetch standard §3.2) as ingress-nginx's enable-cors writes it: a preflight (OPTIONS with
 * Origin and Access-Control-Request-Method) from an allowed origin is answered 204 by the proxy;
 * other answers to an allowed origin get the same headers set. Header values are sent as written.
 */
export interface CorsPolicy {
  /**
   * `['*']`: every origin, answered `Access-Control-Allow-Origin: *`. Otherwise origins compared
   * case-insensitively: `scheme://host[:port]`, `scheme://*.host[:port]` (`*` is one DNS label), `null`.
   */
  allowOrigins: string[];
  allowMethods: string;
  allowHeaders: string;
  /** Access-Control-Expose-Headers; absent: not sent. */
  exposeHeaders?: string;
  /** Sends `Access-Control-Allow-Credentials: true`. */
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

/**
 * nginx's ngx_http_access_module: rules checked in order against the client address (the peer, or
 * the address `--trusted-proxies` vouch for); the first rule whose CIDRs contain it decides, and an
 * address no rule contains gets `otherwise`. Refused requests answer 403, as nginx's `deny`.
 * ingress-nginx denylist-source-range becomes a leading deny rule, whitelist-source-range an allow
 * rule followed by `otherwise: 'deny'`.
 */
export interface ClientAccess {
  rules: ClientAccessRule[];
  otherwise: 'allow' | 'deny';
}

export interface ClientAccessRule {
  action: 'allow' | 'deny';
  /** IPv4 or IPv6 CIDRs (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a /32 or /128. */
  cidrs: string[];
}

/**
 * nginx proxy_redirect, proxy_cookie_domain and proxy_cookie_path with plain text (never regex or
 * nginx variables). Each applies to every upstream answer of the route.
 */
export interface ResponseRewrites {
  /** Location, and the `url=` part of Refresh: a value starting with `from` (case-sensitive) gets `to` instead. */
  location?: TextReplacement;
  /** Set-Cookie Domain equal to `from` (case-insensitive, a leading dot ignored and kept) becomes `to`. */
  cookieDomain?: TextReplacement;
  /** Set-Cookie Path starting with `from` (case-sensitive) gets `to` instead of that prefix. */
  cookiePath?: TextReplacement;
}

export interface TextReplacement {
  from: string;
  to: string;
}

/**
 * ingress-nginx lua_ingress.lua redirect_to_https. Absent fields keep the path as it is and name the
 * HTTPS port only when it is not 443.
 */
export interface HttpsRedirectForm {
  /** Drop one trailing slash of a path without query (`preserve-trailing-slash` "false", its default). */
  trimTrailingSlash?: boolean;
  /** Name the HTTPS port even when it is 443 (`use-port-in-redirects`). */
  alwaysNamePort?: boolean;
}

/**
 * ingress-nginx `custom-http-errors` + `default-backend` (docs/user-guide/custom-errors.md): an
 * upstream answer with one of `codes` is discarded and a GET for `/` goes to `backend` with X-Code,
 * X-Format, X-Original-URI, X-Namespace, X-Ingress-Name, X-Service-Name, X-Service-Port and
 * X-Request-ID; its answer, status included, is relayed (nginx `error_page CODE = @location`).
 */
export interface ErrorPages {
  /** Upstream statuses, 400–599. */
  codes: number[];
  /** Key into `RouteTable.backends`. */
  backend: string;
  /**
   * When the route's backends have no endpoint, the request itself goes to `backend`, with X-Code
   * 503 and the other headers (ingress-nginx `default-backend` on a Service without endpoints).
   */
  noEndpoints?: boolean;
  /** X-Service-Name and X-Service-Port: the Service the route sends to, as the Ingress names it. */
  service: string;
  servicePort: string;
}

export interface RouteSource {
  kind: string;
  namespace: string;
  name: string;
}

export type PathMatchType = 'Exact' | 'Prefix' | 'Regex';

export interface RouteMatch {
  path: { type: PathMatchType; value: string };
  headers?: ValueMatch[];
  queryParams?: ValueMatch[];
  /**
   * Cookies of the Cookie header; names case-insensitive and the first occurrence counts, as
   * nginx's `$cookie_NAME` that ingress-nginx's canary-by-cookie reads.
   */
  cookies?: ValueMatch[];
  /** Upper-case HTTP methods; absent means any. */
  methods?: string[];
}

export interface ValueMatch {
  /** Header and cookie names are matched case-insensitively, query names exactly. */
  name: string;
  type: 'Exact' | 'Regex';
  value: string;
}

export interface WeightedBackend {
  /** Key into `RouteTable.backends`. */
  backend: string;
  /** Relative share of requests; 0 keeps the group but sends it nothing. */
  weight: number;
}

export type BalancerPolicy =
  | { type: 'RoundRobin' }
  | { type: 'LeastRequest' }
  | {
      type: 'ConsistentHash';
      on: 'Header' | 'Cookie' | 'ClientAddress';
      name?: string;
      setCookie?: CookieSpec;
      /**
       * Hash to a subset of this many endpoints, then pick at random within it (ingress-nginx
       * upstream-hash-by-subset, chashsubset.lua). Not with `setCookie`.
       */
      subsetSize?: number;
    };

export interface CookieSpec {
  name: string;
  path?: string;
  ttlSeconds?: number;
  /** Domain attribute; absent: host-only. */
  domain?: string;
  /** SameSite attribute; absent: none sent (ingress-nginx's default). */
  sameSite?: 'None' | 'Lax' | 'Strict';
  /** Leave out SameSite=None for user agents that reject such cookies (ingress-nginx same_site.lua). */
  conditionalSameSiteNone?: boolean;
  /**
   * The cookie names its endpoint, so a session never moves while that endpoint exists
   * (ingress-nginx affinity-mode persistent); absent: the cookie is hashed on a ring (balanced).
   */
  persistent?: boolean;
  /** Secure on every response; absent: Secure only on requests that came in over TLS (sticky.lua). */
  secure?: boolean;
  /**
   * After a failed attempt was retried on another endpoint, a client that had the cookie gets a
   * new one pinning the endpoint that answered (ingress-nginx session-cookie-change-on-failure).
   */
  changeOnFailure?: boolean;
}

export interface Backend {
  /** Metric labels: the Kubernetes Service this backend stands for. */
  namespace: string;
  service: string;
  protocol: 'HTTP' | 'HTTPS' | 'H2C' | 'H2';
  /** Endpoints to balance over; empty answers 503. Already filtered for readiness. */
  endpoints: Endpoint[];
  balancer: BalancerPolicy;
  /** For HTTPS/H2 upstreams: SNI, and optional verification against a CA (PEM). */
  tls?: BackendTls;
  /**
   * Endpoints outside the set the API server vetted (an ExternalName Service): every connection's
   * resolved address is checked, and loopback, link-local, unspecified, cloud metadata and the
   * worker's own addresses are refused (502). Endpoints given by name are checked in any case.
   */
  external?: boolean;
}

export interface BackendTls {
  /** SNI, and the name the certificate is verified for; absent: the endpoint's DNS name, else none. */
  serverName?: string;
  caPem?: string;
  verify: boolean;
  /** Key into `RouteTable.certificates`: the client certificate presented to the backend (mTLS). */
  clientCertificate?: string;
  /** TLS versions offered to the backend; absent: Node's defaults (1.2 and 1.3). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface Endpoint {
  /** An IP address, or a DNS name (ExternalName Services). */
  address: string;
  port: number;
  /** True when serving only because no ready endpoint is left (terminating but still serving). */
  terminating?: boolean;
  zone?: string;
}

export interface Certificate {
  certPem: string;
  keyPem: string;
  /** Where it came from, e.g. `secret/ns/name`, for logs and the expiry metric. */
  source: string;
}

export type Filter =
  | HeaderModifierFilter
  | RequestRedirectFilter
  | UrlRewriteFilter
  | RequestMirrorFilter
  | DirectResponseFilter;

/**
 * The route answers itself, nothing is proxied (nginx `return CODE [TEXT]`, from a snippet): the
 * status, and `body` as text/plain (absent: Gatehouse's own short body for the status).
 */
export interface DirectResponseFilter {
  type: 'DirectResponse';
  /** 200–299 or 400–599. */
  statusCode: number;
  body?: string;
}

export interface HeaderModifier {
  set?: HeaderValue[];
  add?: HeaderValue[];
  remove?: string[];
}

export interface HeaderValue {
  name: string;
  value: string;
}

export interface HeaderModifierFilter extends HeaderModifier {
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier';
  /**
   * ResponseHeaderModifier only: applied to answers with one of these statuses, absent to every
   * answer. nginx's add_header without `always` and expires: 200, 201, 204, 206, 301, 302, 303,
   * 304, 307, 308 (ngx_http_headers_filter_module).
   */
  statuses?: number[];
}

export interface RequestRedirectFilter {
  type: 'RequestRedirect';
  scheme?: 'http' | 'https';
  hostname?: string;
  port?: number;
  path?: PathModifier;
  statusCode: 301 | 302 | 303 | 307 | 308;
  /**
   * Without `port`, keep the port of the request's Host header, as nginx's `$http_host` does
   * (ingress-nginx app-root, from-to-www-redirect); otherwise the scheme's default port is used.
   */
  keepRequestPort?: boolean;
  /** Leave the request's query out of the Location, as nginx's `return 302 URL` does. */
  dropQuery?: boolean;
  /**
   * Location is only the path and query, a relative reference (RFC 9110 §10.2.2), as nginx's
   * `absolute_redirect off` writes it (ingress-nginx relative-redirects); scheme, hostname and port
   * are then not used.
   */
  relative?: boolean;
}

export interface UrlRewriteFilter {
  type: 'URLRewrite';
  hostname?: string;
  path?: PathModifier;
}

export type PathModifier =
  | { type: 'ReplaceFullPath'; value: string }
  | { type: 'ReplacePrefixMatch'; value: string }
  /**
   * ingress-nginx rewrite-target: the whole path becomes `value`, with `$0`…`$9` replaced by the
   * capture groups of the route's Regex path match (empty when the match is not a Regex). The
   * request's query is kept, as nginx's rewrite keeps it.
   */
  | { type: 'RegexSubstitution'; value: string }
  /**
   * nginx `rewrite REGEX REPLACEMENT` (from a snippet): where `pattern` (RE2, unanchored as nginx's)
   * matches the path, the path becomes `value` with `$1`…`$9` its captures; elsewhere nothing
   * happens — the path is kept, and a RequestRedirect carrying it does not redirect.
   */
  | { type: 'RegexReplace'; pattern: string; value: string };

/**
 * Each request is also sent, fire and forget, to one endpoint of `backend` (Gateway API
 * RequestMirror; ingress-nginx `mirror-*`). Its response is discarded; its failures never reach
 * the client. Same method, path (after URLRewrite) and headers as the request sent upstream.
 */
export interface RequestMirrorFilter {
  type: 'RequestMirror';
  /** Key into `RouteTable.backends`. */
  backend: string;
  /** Whether the copy carries the request body (ingress-nginx `mirror-request-body`); default true. */
  body?: boolean;
  /** Host header of the copy (ingress-nginx `mirror-host`); default: the Host sent upstream. */
  hostname?: string;
}

export interface Timeouts {
  /** Milliseconds to establish the upstream connection. */
  connectMs?: number;
  /** Milliseconds from request sent to response headers received. */
  responseHeaderMs?: number;
  /** Milliseconds without bytes either way before the exchange is abandoned. */
  idleMs?: number;
}

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  attempts: number;
  on: Array<'connect-failure' | 'reset' | '502' | '503' | '504'>;
  /** Share of active requests that may be retries at once, in percent. */
  budgetPercent?: number;
}
