// How requests reach the backend: protocol, balancing, timeouts, errors, mirrors, TLS to the backend.
import {
  type BalancerPolicy,
  MAX_HASH_SUBSET,
  type RetryPolicy,
  type Timeouts,
} from '../../../../dataplane/src/table/types.ts';
import type { BackendSettings } from './settings.ts';
import { type AnnotationEntry, DOCS, family } from './types.ts';
import type { AnnotationValues } from './values.ts';

export const balancing: AnnotationEntry[] = [
  ...family('Backend Protocol', `${DOCS}#backend-protocol`, [
    {
      key: 'backend-protocol',
      status: 'difference',
      note: 'HTTP, HTTPS, GRPC (h2c), GRPCS (h2), H2C, AUTO_HTTP (HTTP), any case; FCGI and AJP are refused',
    },
  ]),
  ...family('Custom NGINX load balancing', `${DOCS}#custom-nginx-load-balancing`, [
    {
      key: 'load-balance',
      status: 'difference',
      note: 'round_robin; ewma is served by least-request balancing',
    },
  ]),
  ...family('Custom NGINX upstream hashing', `${DOCS}#custom-nginx-upstream-hashing`, [
    {
      key: 'upstream-hash-by',
      status: 'difference',
      note: 'consistent hash on $remote_addr, $binary_remote_addr, $http_<name> or $cookie_<name>; other variables are refused',
    },
    {
      key: 'upstream-hash-by-subset',
      status: 'supported',
      note: 'the key hashes to one set of endpoints (ceil(n/size) sets of consecutive endpoints) and each request takes a random one of the set',
    },
    {
      key: 'upstream-hash-by-subset-size',
      status: 'supported',
      note: 'endpoints per subset (default 3, at most 10000)',
    },
  ]),
  ...family('Service Upstream', `${DOCS}#service-upstream`, [
    {
      key: 'service-upstream',
      status: 'supported',
      note: "balance on the Service's ClusterIP and port instead of its endpoints (endpoints when it has none)",
    },
  ]),
  ...family('SSL Passthrough', `${DOCS}#ssl-passthrough`, [
    {
      key: 'ssl-passthrough',
      status: 'difference',
      note: 'with --enable-ssl-passthrough, a TLS connection whose SNI is exactly the host goes untouched to an endpoint of the backend of its "/" path, and no other annotation applies to it; no SNI or another name is terminated as usual, and plain HTTP is still served by the routes. Without the flag, or for a wildcard host or one without a "/" path, TLS is terminated and the Ingress gets a Warning; an Ingress that answers 503 (fail closed) is never passed through',
    },
  ]),
];

export const timeouts: AnnotationEntry[] = [
  ...family('Custom timeouts', `${DOCS}#custom-timeouts`, [
    { key: 'proxy-connect-timeout', status: 'supported', note: 'seconds to connect to the backend' },
    {
      key: 'proxy-send-timeout',
      status: 'difference',
      note: 'validated; Gatehouse has no separate timeout between two writes to the backend',
    },
    {
      key: 'proxy-read-timeout',
      status: 'supported',
      note: 'seconds to wait for the response headers and between two reads from the backend',
    },
    {
      key: 'proxy-next-upstream',
      status: 'difference',
      note: 'error, timeout (connect), http_502/503/504 and off; a response timeout and the other http_* are not retried',
    },
    {
      key: 'proxy-next-upstream-timeout',
      status: 'difference',
      note: 'validated; retries are bounded by their count and the retry budget, not by time',
    },
    {
      key: 'proxy-next-upstream-tries',
      status: 'supported',
      note: 'attempts at most, the first included (0: up to 11)',
    },
    {
      key: 'proxy-request-buffering',
      status: 'difference',
      note: 'validated (on, off); the body is always streamed to the backend as it arrives, as "off" (ingress-nginx default "on" reads it whole first, spilling to a temp file): a slow upload holds its backend connection, and a request whose body has begun to stream is not retried on proxy-next-upstream',
    },
  ]),
  ...family('Custom max body size', `${DOCS}#custom-max-body-size`, [
    {
      key: 'proxy-body-size',
      status: 'difference',
      note: 'largest request body (413 beyond), nginx sizes, 0 unlimited; without it no per-route limit (ingress-nginx: 1m)',
    },
  ]),
  ...family('Proxy HTTP version', `${DOCS}#proxy-http-version`, [
    {
      key: 'proxy-http-version',
      status: 'difference',
      note: 'validated (1.0 or 1.1); Gatehouse always speaks HTTP/1.1 to HTTP backends',
    },
  ]),
  ...family('Connection proxy header', `${DOCS}#connection-proxy-header`, [
    {
      key: 'connection-proxy-header',
      status: 'difference',
      note: 'validated (close or keep-alive); upstream connections are always kept alive and pooled',
    },
  ]),
];

export const errorsAndMirrors: AnnotationEntry[] = [
  ...family('Custom HTTP Errors', `${DOCS}#custom-http-errors`, [
    {
      key: 'custom-http-errors',
      status: 'supported',
      note: 'these upstream statuses (400-599) are replaced by a GET / to the default backend with X-Code, X-Format, X-Original-URI, X-Namespace, X-Ingress-Name, X-Service-Name, X-Service-Port and X-Request-ID; its answer and status are relayed',
    },
  ]),
  ...family(
    'Custom HTTP Errors',
    'ingress-nginx internal/ingress/annotations/disableproxyintercepterrors (undocumented)',
    [
      {
        key: 'disable-proxy-intercept-errors',
        status: 'supported',
        note: '"true" turns custom-http-errors interception off',
      },
    ],
  ),
  ...family('Default Backend', `${DOCS}#default-backend`, [
    {
      key: 'default-backend',
      status: 'difference',
      note: "a Service of the Ingress's namespace (first port) serving its custom-http-errors and, when its Service has no endpoint, its requests (with X-Code 503 & co.); when that Service has no endpoint either, Gatehouse answers the status itself (ingress-nginx: the global default backend)",
    },
  ]),
  ...family('Mirror', `${DOCS}#mirror`, [
    {
      key: 'mirror-target',
      status: 'difference',
      note: "a copy of each request goes to a Service of the Ingress's namespace (svc.ns[.svc.cluster.local]) or, with --enable-external-name-services, another host; the copy carries the path sent upstream, and a target path other than $request_uri is refused; the main request never waits on the copy",
    },
    {
      key: 'mirror-request-body',
      status: 'supported',
      note: '"off" sends the copy without the body',
    },
    {
      key: 'mirror-host',
      status: 'supported',
      note: "Host header of the copy; the target's host name by default",
    },
  ]),
];

export const backendTls: AnnotationEntry[] = family(
  'Backend Certificate Authentication',
  `${DOCS}#backend-certificate-authentication`,
  [
    {
      key: 'proxy-ssl-secret',
      status: 'difference',
      note: "namespace/name in the Ingress's own namespace, a kubernetes.io/tls Secret: ca.crt verifies the backend, tls.crt/tls.key are the client certificate; missing or unusable: 503",
    },
    {
      key: 'proxy-ssl-verify',
      status: 'difference',
      note: 'on/off (default off); on without ca.crt or without a Secret verifies against the system roots',
    },
    {
      key: 'proxy-ssl-verify-depth',
      status: 'difference',
      note: 'validated; the whole chain is verified, whatever its depth',
    },
    {
      key: 'proxy-ssl-name',
      status: 'difference',
      note: 'name the backend certificate is verified for, and always sent as SNI',
    },
    {
      key: 'proxy-ssl-server-name',
      status: 'difference',
      note: 'validated; SNI is sent whenever proxy-ssl-name is set, and never for an IP address',
    },
    {
      key: 'proxy-ssl-protocols',
      status: 'difference',
      note: 'TLSv1.2 and/or TLSv1.3, offered as a range; without it both (ingress-nginx: TLSv1.2)',
    },
    {
      key: 'proxy-ssl-ciphers',
      status: 'difference',
      note: "validated; Node's default cipher list is offered",
    },
  ],
);

// --- Parsers (ingress-nginx internal/ingress/annotations/proxy, backendprotocol, loadbalancing,
// upstreamhashby; docs annotations.md#custom-timeouts, #custom-max-body-size, #backend-protocol).

/** Seconds, Go Atoi; ingress-nginx passes them to nginx, which needs a positive time. */
const SECONDS = { type: 'integer', minimum: 1, maximum: 86_400 };

/**
 * proxy-connect-timeout → connectMs; proxy-read-timeout (between two reads from the backend) →
 * responseHeaderMs and idleMs. proxy-send-timeout is validated only: the table has no separate
 * upstream write timeout. Absent or invalid: the data plane's defaults (60 s read, as the ConfigMap).
 */
export function parseTimeouts(values: AnnotationValues): Timeouts | undefined {
  const connect = values.integer('proxy-connect-timeout', SECONDS);
  const read = values.integer('proxy-read-timeout', SECONDS);
  values.integer('proxy-send-timeout', SECONDS);
  const timeouts: Timeouts = {};
  if (connect !== undefined) timeouts.connectMs = connect * 1000;
  if (read !== undefined) {
    timeouts.responseHeaderMs = read * 1000;
    timeouts.idleMs = read * 1000;
  }
  return Object.keys(timeouts).length > 0 ? timeouts : undefined;
}

/**
 * proxy-body-size (nginx client_max_body_size, parser.SizeRegex): `0` means unlimited. Absent: no
 * per-route limit (a stated difference: ingress-nginx's ConfigMap default is 1m).
 */
export function parseBodySize(values: AnnotationValues): number | undefined {
  return values.size('proxy-body-size');
}

/** ingress-nginx proxy/main.go validUpstreamAnnotation's tokens. */
const NEXT_UPSTREAM_TOKENS = new Set([
  'error',
  'timeout',
  'invalid_header',
  'http_500',
  'http_502',
  'http_503',
  'http_504',
  'http_403',
  'http_404',
  'http_429',
  'non_idempotent',
  'off',
]);
/** The table's RetryPolicy.attempts maximum (dataplane/src/table/schema.ts). */
const MAX_RETRIES = 10;

/**
 * proxy-next-upstream (+ -tries): nginx `error` and `timeout` (connect) → connect-failure and reset,
 * `http_502/503/504` → those answers, `off` → no retry. Tokens the table cannot express
 * (http_500/403/404/429, invalid_header, non_idempotent) are reported and left out. -tries counts
 * the first attempt (default 3; 0 means unlimited, capped at 10 retries). -timeout is validated only.
 */
export function parseRetry(values: AnnotationValues): RetryPolicy | undefined {
  const text = values.text('proxy-next-upstream');
  const tries = values.integer('proxy-next-upstream-tries', { type: 'integer', minimum: 0 });
  values.integer('proxy-next-upstream-timeout', { type: 'integer', minimum: 0 });
  let tokens: string[] | undefined;
  if (text !== undefined) {
    tokens = text.toLowerCase().split(/\s+/);
    const bad = tokens.find((t) => !NEXT_UPSTREAM_TOKENS.has(t));
    if (bad !== undefined) {
      values.invalid('proxy-next-upstream', text, `"${bad}" is not an nginx proxy_next_upstream condition`);
      tokens = undefined;
    }
  }
  if (tokens === undefined && tries === undefined) return undefined;
  const conditions = tokens ?? ['error', 'timeout'];
  if (conditions.includes('off')) return { attempts: 0, on: [] };
  const on = new Set<RetryPolicy['on'][number]>();
  for (const t of conditions) {
    if (t === 'error' || t === 'timeout') {
      on.add('connect-failure');
      if (t === 'error') on.add('reset');
    } else if (t === 'http_502' || t === 'http_503' || t === 'http_504') on.add(t.slice(5) as '502');
    else
      values.invalid(
        'proxy-next-upstream',
        text ?? '',
        `"${t}" cannot be retried by Gatehouse; it is left out`,
      );
  }
  const total = tries ?? 3;
  const attempts = total === 0 ? MAX_RETRIES : Math.min(MAX_RETRIES, total - 1);
  return { attempts, on: [...on] };
}

/** backendprotocol/main.go validProtocols, plus the documented H2C (annotations.md#backend-protocol). */
const PROTOCOLS = ['http', 'https', 'grpc', 'grpcs', 'h2c', 'auto_http', 'fcgi', 'ajp'] as const;

/**
 * backend-protocol, any case: GRPC is HTTP/2 cleartext, GRPCS HTTP/2 over TLS, AUTO_HTTP is HTTP.
 * FCGI and AJP are refused with a diagnostic; refused or invalid, the default applies (the
 * Service port's appProtocol, else HTTP; ingress-nginx uses HTTP).
 */
export function parseProtocol(values: AnnotationValues): BackendSettings['protocol'] {
  const protocol = values.option('backend-protocol', PROTOCOLS);
  switch (protocol) {
    case undefined:
      return undefined;
    case 'https':
      return 'HTTPS';
    case 'grpc':
    case 'h2c':
      return 'H2C';
    case 'grpcs':
      return 'H2';
    case 'fcgi':
    case 'ajp':
      return values.invalid('backend-protocol', protocol, 'Gatehouse speaks no FastCGI or AJP to backends');
    default:
      return 'HTTP';
  }
}

/**
 * load-balance (loadbalancing/main.go): round_robin, or ewma → least request (a stated difference).
 * The sticky and chash values are set by affinity and upstream-hash-by, not by hand.
 */
export function parseLoadBalance(values: AnnotationValues): BalancerPolicy | undefined {
  const algorithm = values.option('load-balance', ['round_robin', 'ewma'] as const);
  if (algorithm === 'ewma') return { type: 'LeastRequest' };
  return algorithm === 'round_robin' ? { type: 'RoundRobin' } : undefined;
}

/**
 * upstream-hash-by: one nginx variable. `$remote_addr`/`$binary_remote_addr` → client address,
 * `$http_<name>` → that header (nginx maps `_` to `-`), `$cookie_<name>` → that cookie. Anything
 * else (`$request_uri`, combinations) is refused with a diagnostic and balancing stays as it was.
 */
export function parseHashBy(values: AnnotationValues): BalancerPolicy | undefined {
  const text = values.text('upstream-hash-by');
  if (text === undefined) return undefined;
  const v = text.toLowerCase();
  let policy: Extract<BalancerPolicy, { type: 'ConsistentHash' }> | undefined;
  const header = /^\$http_([a-z0-9_]+)$/.exec(v);
  const cookie = /^\$cookie_([A-Za-z0-9_.-]+)$/.exec(text);
  if (v === '$remote_addr' || v === '$binary_remote_addr')
    policy = { type: 'ConsistentHash', on: 'ClientAddress' };
  else if (header !== null)
    policy = { type: 'ConsistentHash', on: 'Header', name: (header[1] ?? '').replaceAll('_', '-') };
  else if (cookie !== null) policy = { type: 'ConsistentHash', on: 'Cookie', name: cookie[1] ?? '' };
  if (policy !== undefined) {
    const subsetSize = parseHashSubset(values);
    if (subsetSize !== undefined) policy.subsetSize = subsetSize;
    return policy;
  }
  return values.invalid(
    'upstream-hash-by',
    text,
    'Gatehouse hashes on one of $remote_addr, $binary_remote_addr, $http_<header> or $cookie_<name>',
  );
}

/**
 * upstream-hash-by-subset (a boolean) and -size (upstreamhashby/main.go: an int, 0 or unparsable
 * → 3): balancer/chashsubset.lua hashes the key to one set of `size` endpoints and picks at random
 * within it. A size below 1 or above MAX_HASH_SUBSET is reported and 3 is used.
 */
function parseHashSubset(values: AnnotationValues): number | undefined {
  if (values.boolean('upstream-hash-by-subset') !== true) return undefined;
  const size = values.integer('upstream-hash-by-subset-size', {
    type: 'integer',
    minimum: 0,
    maximum: MAX_HASH_SUBSET,
  });
  return size === undefined || size === 0 ? DEFAULT_HASH_SUBSET : size;
}

const DEFAULT_HASH_SUBSET = 3;

/** service-upstream (serviceupstream/main.go): a boolean, default false. */
export function parseServiceUpstream(values: AnnotationValues): boolean {
  return values.boolean('service-upstream') === true;
}

/**
 * proxy-http-version (1.0 or 1.1) and connection-proxy-header (close or keep-alive), validated as
 * ingress-nginx does (proxy/main.go, connection/main.go). Not applied: undici speaks HTTP/1.1 and
 * owns the Connection header of its pooled upstream connections (stated differences).
 */
export function validateConnection(values: AnnotationValues): void {
  values.option('proxy-http-version', ['1.0', '1.1'] as const);
  values.option('connection-proxy-header', ['close', 'keep-alive'] as const);
  // proxy/main.go: ValidateOptions({"on", "off"}, case-sensitive). Gatehouse always streams the
  // body as it arrives (nginx "off"); the difference is stated in the catalog.
  values.exactOption('proxy-request-buffering', ['on', 'off'] as const);
}
