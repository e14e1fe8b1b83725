// The command line of DESIGN.md, a stable interface others script against. Every flag can also
// come from GATEHOUSE_<FLAG> (upper case, dashes as underscores); the command line wins.

import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export interface Flags {
  kubeconfig?: string;
  manifests?: string;
  ingressClass: string;
  controllerName: string;
  watchNamespace?: string;
  httpPort: number;
  httpsPort: number;
  adminPort: number;
  bindAddress: string;
  workers: number;
  publishService?: string;
  publishAddress?: string;
  defaultSslCertificate?: string;
  defaultBackendService?: string;
  trustedProxies: string[];
  logLevel: string;
  logFormat: 'json' | 'text';
}

const options = {
  kubeconfig: { type: 'string' },
  manifests: { type: 'string' },
  'ingress-class': { type: 'string', default: 'gatehouse' },
  'controller-name': { type: 'string', default: 'gatehouse.dev/ingress-controller' },
  'watch-namespace': { type: 'string' },
  'http-port': { type: 'string', default: '8080' },
  'https-port': { type: 'string', default: '8443' },
  'admin-port': { type: 'string', default: '10254' },
  'bind-address': { type: 'string', default: '0.0.0.0' },
  workers: { type: 'string' },
  'publish-service': { type: 'string' },
  'publish-address': { type: 'string' },
  'default-ssl-certificate': { type: 'string' },
  'default-backend-service': { type: 'string' },
  'trusted-proxies': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  'log-format': { type: 'string', default: 'json' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const usage = `Usage: gatehouse [flags]   (every flag also from GATEHOUSE_<FLAG>, e.g. GATEHOUSE_HTTP_PORT)

  --kubeconfig PATH                 API server to watch (default: in-cluster, else $KUBECONFIG, else ~/.kube/config)
  --manifests PATH                  standalone mode: serve Kubernetes YAML from files or a folder, re-read on change
  --ingress-class NAME              IngressClass name handled (default gatehouse)
  --controller-name NAME            spec.controller of IngressClasses handled (default gatehouse.dev/ingress-controller)
  --watch-namespace NS              limit the watch to one namespace (default: all)
  --http-port N, --https-port N     data-plane listeners (default 8080, 8443)
  --admin-port N                    /healthz, /readyz, /metrics (default 10254)
  --bind-address ADDR               listeners' address (default 0.0.0.0)
  --workers N                       data-plane worker processes (default: number of CPUs)
  --publish-service NS/NAME         Service whose address goes into Ingress status
  --publish-address A               address that goes into Ingress status
  --default-ssl-certificate NS/NAME certificate for TLS hosts without a valid secret (default: self-signed)
  --default-backend-service NS/NAME where unmatched requests go (default: built-in 404)
  --trusted-proxies CIDR,...        peers whose X-Forwarded-* and PROXY protocol are believed (default: none)
  --log-level LEVEL                 error, warn, info, debug (default info)
  --log-format json|text            (default json)
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

function namespacedName(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw new FlagError(`--${name}: "${value}" is not NAMESPACE/NAME`);
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
  const workersRaw = get('workers');
  const workers = workersRaw === undefined ? availableParallelism() : Number(workersRaw);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new FlagError(`--workers: "${workersRaw}" is not a number of processes (1-256)`);
  }
  const bindAddress = get('bind-address') ?? '0.0.0.0';
  if (isIP(bindAddress) === 0) throw new FlagError(`--bind-address: "${bindAddress}" is not an IP address`);
  const publishAddress = get('publish-address');
  const flags = {
    help: values.help === true,
    kubeconfig: get('kubeconfig'),
    manifests: get('manifests'),
    ingressClass: get('ingress-class') ?? 'gatehouse',
    controllerName: get('controller-name') ?? 'gatehouse.dev/ingress-controller',
    watchNamespace: get('watch-namespace'),
    httpPort: port('http-port', get('http-port') ?? '8080'),
    httpsPort: port('https-port', get('https-port') ?? '8443'),
    adminPort: port('admin-port', get('admin-port') ?? '10254'),
    bindAddress,
    workers,
    publishService: namespacedName('publish-service', get('publish-service')),
    publishAddress,
    defaultSslCertificate: namespacedName('default-ssl-certificate', get('default-ssl-certificate')),
    defaultBackendService: namespacedName('default-backend-service', get('default-backend-service')),
    trustedProxies: cidrs(get('trusted-proxies')),
    logLevel,
    logFormat: logFormat as 'json' | 'text',
  };
  if (flags.kubeconfig !== undefined && flags.manifests !== undefined) {
    throw new FlagError('--kubeconfig and --manifests exclude each other: one source of objects at a time');
  }
  return flags;
}
