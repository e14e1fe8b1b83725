// The command line (README.md § Command line), a stable interface others script against. Every flag
// can also come from GATEHOUSE_<FLAG> (upper case, dashes as underscores); the command line wins.

import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { ManifestLimits } from '../sources/manifests/limits.ts';

export interface Flags {
  kubeconfig?: string;
  manifests?: string;
  /** How much of --manifests PATH is read (sizes in bytes). */
  manifestLimits: ManifestLimits;
  ingressClass: string;
  controllerName: string;
  /** Annotations read are `<prefix>/<key>`, as ingress-nginx's --annotations-prefix. */
  annotationsPrefix: string;
  /** Header names custom-headers may set (ingress-nginx's global-allowed-response-headers); empty: none. */
  globalAllowedResponseHeaders: string[];
  watchNamespace?: string;
  httpPort: number;
  httpsPort: number;
  /** The port HTTP→HTTPS redirects name: where clients reach the HTTPS listener (443 behind a Service). */
  httpsRedirectPort: number;
  adminPort: number;
  bindAddress: string;
  /** The admin port's address; `--bind-address` unless set, so it can stay off the data plane's network. */
  adminBindAddress: string;
  workers: number;
  publishService?: string;
  publishAddress?: string;
  defaultSslCertificate?: string;
  defaultBackendService?: string;
  /** Cluster mode: at most this many referenced Secrets are watched (one watch, one connection each). */
  maxSecretWatches: number;
  trustedProxies: string[];
  /** `redis://host:port`: global-rate-limit budgets shared by every replica; absent: per replica only. */
  rateLimitStore?: string;
  /** Every connection opens with a PROXY protocol v1/v2 header from a trusted proxy (ingress-nginx's use-proxy-protocol). */
  proxyProtocol: boolean;
  /** Serve ExternalName Services (Contour's enableExternalNameService); never to loopback or own addresses. */
  enableExternalNameServices: boolean;
  /** ssl-passthrough annotations route TLS by SNI to the backend, untouched (ingress-nginx --enable-ssl-passthrough). */
  enableSslPassthrough: boolean;
  /** Translate configuration-snippet / server-snippet into typed filters (ingress-nginx's allow-snippet-annotations, off by default). */
  allowSnippetAnnotations: boolean;
  /** Slowloris bound: a request's headers must arrive within this (408 after); nginx's client_header_timeout. */
  clientHeaderTimeoutMs: number;
  /** Idle keep-alive connections are closed after this; nginx's keepalive_timeout. */
  keepAliveTimeoutMs: number;
  /** Longest wait for the next request-body byte (408 after); nginx's client_body_timeout. */
  clientBodyTimeoutMs: number;
  /** Bytes per second a request body must average once its grace is spent (408 below); 0: off. */
  clientBodyMinRate: number;
  /** Waiting time a request body gets before the minimum rate applies. */
  clientBodyMinRateGraceMs: number;
  logLevel: string;
  logFormat: 'json' | 'text';
  /** One JSON line per request on stdout. */
  accessLog: boolean;
  /** Share of requests the access log keeps, 0..1. */
  accessLogSample: number;
}

const options = {
  kubeconfig: { type: 'string' },
  manifests: { type: 'string' },
  'manifests-max-file-size': { type: 'string', default: '16Mi' },
  'manifests-max-total-size': { type: 'string', default: '64Mi' },
  'manifests-max-files': { type: 'string', default: '10000' },
  'manifests-max-documents': { type: 'string', default: '100000' },
  'ingress-class': { type: 'string', default: 'gatehouse' },
  'controller-name': { type: 'string', default: 'gatehouse.dev/ingress-controller' },
  'annotations-prefix': { type: 'string', default: 'nginx.ingress.kubernetes.io' },
  'global-allowed-response-headers': { type: 'string' },
  'watch-namespace': { type: 'string' },
  'http-port': { type: 'string', default: '8080' },
  'https-port': { type: 'string', default: '8443' },
  'https-redirect-port': { type: 'string' },
  'admin-port': { type: 'string', default: '10254' },
  'bind-address': { type: 'string', default: '0.0.0.0' },
  'admin-bind-address': { type: 'string' },
  workers: { type: 'string' },
  'publish-service': { type: 'string' },
  'publish-address': { type: 'string' },
  'default-ssl-certificate': { type: 'string' },
  'default-backend-service': { type: 'string' },
  'max-secret-watches': { type: 'string', default: '5000' },
  'trusted-proxies': { type: 'string' },
  'rate-limit-store': { type: 'string' },
  'proxy-protocol': { type: 'boolean' },
  'enable-external-name-services': { type: 'boolean' },
  'enable-ssl-passthrough': { type: 'boolean' },
  'allow-snippet-annotations': { type: 'boolean' },
  'client-header-timeout': { type: 'string', default: '20s' },
  'keepalive-timeout': { type: 'string', default: '75s' },
  'client-body-timeout': { type: 'string', default: '60s' },
  'client-body-min-rate': { type: 'string', default: '1024' },
  'client-body-min-rate-grace': { type: 'string', default: '20s' },
  'log-level': { type: 'string', default: 'info' },
  'log-format': { type: 'string', default: 'json' },
  'access-log': { type: 'boolean' },
  'access-log-sample': { type: 'string', default: '1' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The flags that change what translation makes of the objects, and how much of a manifest is read:
 * `gatehouse lint` and `explain` take them too, so they judge a folder as the controller would.
 */
export const TRANSLATION_FLAGS = [
  'ingress-class',
  'controller-name',
  'annotations-prefix',
  'global-allowed-response-headers',
  'default-backend-service',
  'default-ssl-certificate',
  'enable-external-name-services',
  'enable-ssl-passthrough',
  'allow-snippet-annotations',
  'manifests-max-file-size',
  'manifests-max-total-size',
  'manifests-max-files',
  'manifests-max-documents',
] as const satisfies ReadonlyArray<keyof typeof options>;

/** The parseArgs options of TRANSLATION_FLAGS, for a subcommand to merge into its own. */
export const translationFlagOptions = Object.fromEntries(TRANSLATION_FLAGS.map((f) => [f, options[f]])) as {
  [F in (typeof TRANSLATION_FLAGS)[number]]: (typeof options)[F];
};

export const usage = `Usage: gatehouse [flags]   (every flag also from GATEHOUSE_<FLAG>, e.g. GATEHOUSE_HTTP_PORT)

  --kubeconfig PATH                 API server to watch (default: in-cluster, else $KUBECONFIG, else ~/.kube/config)
  --manifests PATH                  standalone mode: serve Kubernetes YAML from files or a folder, re-read on change
  --manifests-max-file-size SIZE    bytes one manifest file may hold, e.g. 16Mi, 512Ki (default 16Mi)
  --manifests-max-total-size SIZE   bytes of all manifest files together (default 64Mi)
  --manifests-max-files N           manifest files read under a folder (default 10000)
  --manifests-max-documents N       YAML documents and List items in one file (default 100000)
  --ingress-class NAME              IngressClass name handled (default gatehouse)
  --controller-name NAME            spec.controller of IngressClasses handled (default gatehouse.dev/ingress-controller)
  --annotations-prefix PREFIX       ingress-nginx annotations read, PREFIX/key (default nginx.ingress.kubernetes.io)
  --global-allowed-response-headers NAME,...
                                    headers the custom-headers annotation may set (default: none)
  --watch-namespace NS              limit the watch to one namespace (default: all)
  --http-port N, --https-port N     data-plane listeners (default 8080, 8443)
  --https-redirect-port N           port HTTP->HTTPS redirects name, left out when 443 (default: --https-port)
  --admin-port N                    /healthz, /readyz, /metrics (default 10254)
  --bind-address ADDR               listeners' address (default 0.0.0.0)
  --admin-bind-address ADDR         admin port's address (default: --bind-address)
  --workers N                       data-plane worker processes (default: number of CPUs)
  --publish-service NS/NAME         Service whose address goes into Ingress status
  --publish-address A               address that goes into Ingress status
  --default-ssl-certificate NS/NAME certificate for TLS hosts without a valid secret (default: self-signed)
  --default-backend-service NS/NAME where unmatched requests go (default: built-in 404)
  --max-secret-watches N            cluster mode: referenced Secrets read (one watch each) at most (default 5000)
  --trusted-proxies CIDR,...        peers whose X-Forwarded-* and PROXY protocol are believed (default: none)
  --rate-limit-store redis://H:P    Redis (or Valkey) holding the global-rate-limit budgets of every replica;
                                    unreachable or absent: each replica keeps its own (default: none)
  --proxy-protocol                  every connection opens with a PROXY protocol v1/v2 header from a
                                    --trusted-proxies peer; others are closed (default off)
  --enable-external-name-services   allow ExternalName Service backends (default off); even then never loopback,
                                    link-local, unspecified, cloud metadata or this pod's own addresses
  --enable-ssl-passthrough          honour ssl-passthrough annotations: TLS whose SNI names such a host goes
                                    to its backend without termination (default off, as ingress-nginx)
  --allow-snippet-annotations       translate configuration-snippet / server-snippet (a strict grammar of a few
                                    directives) into typed filters; never templated (default off)
  --client-header-timeout DURATION  time a client has to send request headers, e.g. 20s, 500ms (default 20s)
  --keepalive-timeout DURATION      idle time before a keep-alive connection is closed (default 75s)
  --client-body-timeout DURATION    longest wait for the next request-body byte, then 408 (default 60s)
  --client-body-min-rate BYTES      bytes/s a request body must average after its grace, then 408; 0: off (default 1024)
  --client-body-min-rate-grace DURATION
                                    time a request body gets before the minimum rate applies (default 20s)
  --log-level LEVEL                 error, warn, info, debug (default info)
  --log-format json|text            (default json)
  --access-log                      one JSON line per request on stdout (default off)
  --access-log-sample RATE          share of requests logged, 0 to 1 (default 1)
`;

export class FlagError extends Error {}

function envName(flag: string): string {
  return `GATEHOUSE_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function port(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535)
    throw new FlagError(`--${name}: "${value}" is not a port (0-65535)`);
  return n;
}

/** `20s`, `500ms`, `1m`, or bare seconds as nginx reads them; at most a day. */
function duration(name: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const ms = m === null ? Number.NaN : Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (!(ms >= 1 && ms <= 86_400_000))
    throw new FlagError(`--${name}: "${value}" is not a duration like 20s or 500ms`);
  return Math.round(ms);
}

/** A whole number of bytes per second, 0 allowed (turns the rule off). */
function bytesPerSecond(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new FlagError(`--${name}: "${value}" is not a whole number of bytes per second`);
  return n;
}

/** Bytes, as a count or with a Kubernetes binary suffix (`512Ki`, `16Mi`, `1Gi`); at most 1Gi. */
function byteSize(name: string, value: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value.trim());
  const bytes = m === null ? Number.NaN : Number(m[1]) * 1024 ** ['', 'Ki', 'Mi', 'Gi'].indexOf(m[2] ?? '');
  if (!(bytes >= 1 && bytes <= 1024 ** 3))
    throw new FlagError(
      `--${name}: "${value}" is not a size like 16Mi, 512Ki or 1048576 (bytes, at most 1Gi)`,
    );
  return bytes;
}

function count(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > max)
    throw new FlagError(`--${name}: "${value}" is not a count (1-${max})`);
  return n;
}

function namespacedName(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw new FlagError(`--${name}: "${value}" is not NAMESPACE/NAME`);
  }
  return value;
}

/** ingress-nginx splits global-allowed-response-headers on commas; each must be a header name it accepts. */
function headerNames(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const n of names) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(n))
      throw new FlagError(`--global-allowed-response-headers: "${n}" is not a header name`);
  }
  return names;
}

/** An annotation prefix is a DNS subdomain (the prefix part of a Kubernetes annotation key). */
function annotationsPrefix(value: string): string {
  const label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
  if (value.length > 253 || !new RegExp(`^${label}(\\.${label})*$`).test(value)) {
    throw new FlagError(
      `--annotations-prefix: "${value}" is not a DNS subdomain like nginx.ingress.kubernetes.io`,
    );
  }
  return value;
}

function cidrs(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((raw) => {
    const cidr = raw.trim();
    const [address, bits, extra] = cidr.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !okBits || extra !== undefined) {
      throw new FlagError(`--trusted-proxies: "${cidr}" is not an address or CIDR`);
    }
    return cidr;
  });
}

/** A boolean flag: on when given; else GATEHOUSE_<FLAG> as true/1 or false/0; else off. */
function booleanFlag(
  flag: string,
  given: boolean,
  tokens: ReadonlyArray<{ kind: string; name?: string }>,
  env: NodeJS.ProcessEnv,
): boolean {
  if (tokens.some((t) => t.kind === 'option' && t.name === flag)) return given;
  const value = env[envName(flag)];
  if (value === undefined) return false;
  if (!/^(true|1|false|0)?$/i.test(value))
    throw new FlagError(`${envName(flag)}: "${value}" is not true or false`);
  return /^(true|1)$/i.test(value);
}

/** Parses argv (without node and script) and the environment into Flags, or throws FlagError. */
export function parseFlags(argv: string[], env: NodeJS.ProcessEnv): Flags & { help: boolean } {
  const parse = () => parseArgs({ args: argv, options, allowPositionals: false, strict: true, tokens: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new FlagError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const get = (flag: keyof typeof options): string | undefined => {
    // An explicit flag beats the environment, which beats the default.
    const explicit = parsed.tokens.some((t) => t.kind === 'option' && t.name === flag);
    if (!explicit && env[envName(flag)] !== undefined) return env[envName(flag)];
    const v = values[flag];
    return typeof v === 'string' ? v : undefined;
  };
  const logFormat = get('log-format') ?? 'json';
  if (logFormat !== 'json' && logFormat !== 'text')
    throw new FlagError(`--log-format: "${logFormat}" is not json or text`);
  const logLevel = get('log-level') ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new FlagError(`--log-level: "${logLevel}" is not error, warn, info or debug`);
  }
  const switchOn = (
    flag:
      | 'access-log'
      | 'proxy-protocol'
      | 'enable-external-name-services'
      | 'enable-ssl-passthrough'
      | 'allow-snippet-annotations',
  ): boolean => booleanFlag(flag, values[flag] === true, parsed.tokens, env);
  const accessLog = switchOn('access-log');
  const enableExternalNameServices = switchOn('enable-external-name-services');
  const sampleRaw = get('access-log-sample') ?? '1';
  const accessLogSample = Number(sampleRaw);
  if (
    sampleRaw.trim() === '' ||
    !Number.isFinite(accessLogSample) ||
    accessLogSample < 0 ||
    accessLogSample > 1
  ) {
    throw new FlagError(`--access-log-sample: "${sampleRaw}" is not a rate between 0 and 1`);
  }
  const workersRaw = get('workers');
  const workers = workersRaw === undefined ? availableParallelism() : Number(workersRaw);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new FlagError(`--workers: "${workersRaw}" is not a number of processes (1-256)`);
  }
  const bindAddress = get('bind-address') ?? '0.0.0.0';
  if (isIP(bindAddress) === 0) throw new FlagError(`--bind-address: "${bindAddress}" is not an IP address`);
  const adminBindAddress = get('admin-bind-address') ?? bindAddress;
  if (isIP(adminBindAddress) === 0)
    throw new FlagError(`--admin-bind-address: "${adminBindAddress}" is not an IP address`);
  const publishAddress = get('publish-address');
  const httpsPort = port('https-port', get('https-port') ?? '8443');
  const maxSecretWatches = count('max-secret-watches', get('max-secret-watches') ?? '5000', 1_000_000);
  const flags = {
    help: values.help === true,
    kubeconfig: get('kubeconfig'),
    manifests: get('manifests'),
    manifestLimits: {
      maxFileBytes: byteSize('manifests-max-file-size', get('manifests-max-file-size') ?? '16Mi'),
      maxTotalBytes: byteSize('manifests-max-total-size', get('manifests-max-total-size') ?? '64Mi'),
      maxFiles: count('manifests-max-files', get('manifests-max-files') ?? '10000', 1_000_000),
      maxDocuments: count('manifests-max-documents', get('manifests-max-documents') ?? '100000', 10_000_000),
    },
    ingressClass: get('ingress-class') ?? 'gatehouse',
    controllerName: get('controller-name') ?? 'gatehouse.dev/ingress-controller',
    annotationsPrefix: annotationsPrefix(get('annotations-prefix') ?? 'nginx.ingress.kubernetes.io'),
    globalAllowedResponseHeaders: headerNames(get('global-allowed-response-headers')),
    watchNamespace: get('watch-namespace'),
    httpPort: port('http-port', get('http-port') ?? '8080'),
    httpsPort,
    httpsRedirectPort: port('https-redirect-port', get('https-redirect-port') ?? String(httpsPort)),
    adminPort: port('admin-port', get('admin-port') ?? '10254'),
    bindAddress,
    adminBindAddress,
    workers,
    publishService: namespacedName('publish-service', get('publish-service')),
    publishAddress,
    defaultSslCertificate: namespacedName('default-ssl-certificate', get('default-ssl-certificate')),
    defaultBackendService: namespacedName('default-backend-service', get('default-backend-service')),
    maxSecretWatches,
    trustedProxies: cidrs(get('trusted-proxies')),
    rateLimitStore: redisUrl(get('rate-limit-store')),
    proxyProtocol: switchOn('proxy-protocol'),
    enableExternalNameServices,
    enableSslPassthrough: switchOn('enable-ssl-passthrough'),
    allowSnippetAnnotations: switchOn('allow-snippet-annotations'),
    clientHeaderTimeoutMs: duration('client-header-timeout', get('client-header-timeout') ?? '20s'),
    keepAliveTimeoutMs: duration('keepalive-timeout', get('keepalive-timeout') ?? '75s'),
    clientBodyTimeoutMs: duration('client-body-timeout', get('client-body-timeout') ?? '60s'),
    clientBodyMinRate: bytesPerSecond('client-body-min-rate', get('client-body-min-rate') ?? '1024'),
    clientBodyMinRateGraceMs: duration(
      'client-body-min-rate-grace',
      get('client-body-min-rate-grace') ?? '20s',
    ),
    logLevel,
    logFormat: logFormat as 'json' | 'text',
    accessLog,
    accessLogSample,
  };
  if (flags.proxyProtocol && flags.trustedProxies.length === 0) {
    throw new FlagError(
      '--proxy-protocol needs --trusted-proxies: only the load balancers listed there may send a PROXY header',
    );
  }
  if (flags.kubeconfig !== undefined && flags.manifests !== undefined) {
    throw new FlagError('--kubeconfig and --manifests exclude each other: one source of objects at a time');
  }
  return flags;
}

/** `redis://[user:password@]host[:port][/db]` (or `rediss://`), checked here so a typo fails at start. */
function redisUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FlagError(`--rate-limit-store: "${value}" is not a URL such as redis://127.0.0.1:6379`);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '')
    throw new FlagError(`--rate-limit-store: "${value}" is not a redis:// or rediss:// URL with a host`);
  return value;
}
