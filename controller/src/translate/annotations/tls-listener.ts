// What an Ingress asks of the HTTPS listener for its hosts: ssl-passthrough (routing by SNI without
// terminating TLS) and ssl-ciphers / ssl-prefer-server-ciphers (the host's TLS 1.2 cipher list).
// ingress-nginx annotations.md#ssl-passthrough, #ssl-ciphers; docs/user-guide/tls.md; its
// controller.go createServers (first Ingress of a host to set a cipher setting wins) and
// buildPassthroughBackends (the backend of the host's "/" location).
import type { HostRoutes } from '../../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../../snapshot.ts';
import { ingressObject } from '../diagnostics.ts';
import type { IngressView } from '../lookup.ts';
import type { AnnotationValues } from './values.ts';

export interface ListenerSettings {
  /** ssl-passthrough "true". */
  passthrough?: boolean;
  /** ssl-ciphers: an OpenSSL TLS 1.2 cipher list. */
  ciphers?: string;
  /** ssl-prefer-server-ciphers. */
  preferServerCiphers?: boolean;
}

/** Says why an OpenSSL cipher list cannot be used, or undefined when it can (main.ts asks node:tls). */
export type CipherListCheck = (ciphers: string) => string | undefined;

/** ingress-nginx sslcipher regexValidCiphers: the characters of OpenSSL's cipher list syntax. */
const CIPHERS = /^[A-Za-z0-9+:_\-!]+$/;

export function parseListenerSettings(
  values: AnnotationValues,
  checkCiphers: CipherListCheck | undefined,
): ListenerSettings | undefined {
  const settings: ListenerSettings = {};
  if (values.boolean('ssl-passthrough') === true) settings.passthrough = true;
  const ciphers = values.text('ssl-ciphers');
  if (ciphers !== undefined) {
    const why = !CIPHERS.test(ciphers)
      ? 'it is not an OpenSSL cipher list (letters, digits, "+:_-!")'
      : // nginx's ssl_ciphers is OpenSSL's TLS 1.2 list: TLS 1.3 suites are configured apart.
        ciphers.split(':').some((c) => c.startsWith('TLS_'))
        ? 'TLS 1.3 suites (TLS_*) are not set by ssl-ciphers; list TLS 1.2 ciphers only'
        : checkCiphers?.(ciphers);
    if (why === undefined) settings.ciphers = ciphers;
    else values.invalid('ssl-ciphers', ciphers, `${why}; the host keeps the default ciphers`);
  }
  const prefer = values.boolean('ssl-prefer-server-ciphers');
  if (prefer !== undefined) settings.preferServerCiphers = prefer;
  return Object.keys(settings).length === 0 ? undefined : settings;
}

/** One served Ingress with listener settings, in route precedence order (oldest first). */
export interface ListenerRequest {
  ingress: IngressView;
  hosts: ReadonlySet<string>;
  settings: ListenerSettings;
  /** The Ingress answers 503 (a restriction Gatehouse cannot honour): never passed through open. */
  closed: boolean;
}

/** The hosts' cipher settings: the first Ingress of a host to set one wins (createServers). */
export function applyCipherSettings(hosts: HostRoutes[], requests: readonly ListenerRequest[]): void {
  const byName = new Map(hosts.map((h) => [h.host, h]));
  const ciphered = new Set<string>();
  const preferred = new Set<string>();
  for (const { hosts: names, settings } of requests) {
    for (const name of names) {
      const tls = byName.get(name)?.tls;
      if (tls === undefined) continue;
      if (settings.ciphers !== undefined && !ciphered.has(name)) {
        ciphered.add(name);
        tls.ciphers = settings.ciphers;
      }
      if (settings.preferServerCiphers !== undefined && !preferred.has(name)) {
        preferred.add(name);
        tls.preferServerCiphers = settings.preferServerCiphers;
      }
    }
  }
}

/**
 * Sets the hosts' passthrough backends. Passthrough needs the --enable-ssl-passthrough flag, an
 * exact host name and a "/" path with a backend; otherwise the host is terminated as usual and
 * the Ingress gets a Warning saying why.
 */
export function applyPassthrough(
  hosts: HostRoutes[],
  requests: readonly ListenerRequest[],
  enablePassthrough: boolean,
  prefix: string,
  diagnostics: Diagnostic[],
): void {
  const byName = new Map(hosts.map((h) => [h.host, h]));
  const warn = (ingress: IngressView, key: string, reason: string, message: string) =>
    diagnostics.push({
      object: ingressObject(ingress.namespace, ingress.name),
      field: `metadata.annotations["${prefix}/${key}"]`,
      reason,
      message,
    });
  for (const { ingress, hosts: names, settings, closed } of requests) {
    if (settings.passthrough !== true) continue;
    if (!enablePassthrough) {
      warn(
        ingress,
        'ssl-passthrough',
        'SslPassthroughDisabled',
        'ssl-passthrough needs the controller flag --enable-ssl-passthrough; TLS for these hosts is terminated as usual',
      );
      continue;
    }
    if (closed) {
      warn(
        ingress,
        'ssl-passthrough',
        'SslPassthroughClosed',
        'the Ingress answers 503 (an access restriction Gatehouse cannot honour); its hosts are not passed through',
      );
      continue;
    }
    for (const name of [...names].sort()) {
      const entry = byName.get(name);
      if (entry === undefined || entry.passthrough !== undefined) continue;
      const problem = passthroughProblem(entry);
      if (typeof problem === 'string') warn(ingress, 'ssl-passthrough', 'SslPassthroughIgnored', problem);
      else entry.passthrough = { backend: problem.backend };
    }
  }
}

/** The backend of the host's "/" path (ingress-nginx's rootLocation), or why the host cannot pass through. */
function passthroughProblem(entry: HostRoutes): { backend: string } | string {
  if (entry.host === '*' || entry.host.startsWith('*.'))
    return `host "${entry.host}" is not passed through: SNI is matched with exact host names only`;
  const root = entry.routes.find(
    (r) =>
      (r.match.path.type === 'Prefix' || r.match.path.type === 'Exact') &&
      r.match.path.value === '/' &&
      r.match.headers === undefined &&
      r.match.queryParams === undefined &&
      r.match.cookies === undefined &&
      r.match.methods === undefined,
  );
  const backend = root?.backends[0]?.backend;
  if (backend === undefined)
    return `host "${entry.host}" is not passed through: it needs a path "/" with a Service backend (the passthrough backend, as in ingress-nginx)`;
  return { backend };
}
