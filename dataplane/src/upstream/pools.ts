// One undici keep-alive Pool per upstream endpoint and transport, shared by every table version:
// a new table reuses the pools of endpoints it keeps, so a config change costs no new upstream
// connections. Pools whose endpoint left the table are closed gracefully: requests already on
// them finish (docs/architecture.md § Upstreams), new ones go elsewhere.
//
// The pool key is origin + transport: protocol (HTTP/1.1, HTTPS, h2c, h2 over TLS), the TLS
// settings, and the connect timeout. undici fixes the connect timeout per pool, so a route with
// its own `timeouts.connectMs` gets pools of its own to the same endpoints (keyed by that value);
// routes without one share the default pools. Endpoint health is per origin, across all of them.
//
// Pools to endpoints the API server did not vet — an ExternalName backend, or any endpoint given
// by name — connect through the address guard (guarded-connect.ts); pod endpoints connect as they
// are, with no DNS or check on their path.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { buildConnector, Pool } from 'undici';
import type { Backend, Certificate } from '../table/types.ts';
import { AddressGuard } from './address-guard.ts';
import { type AddressPolicy, guardedConnector, guardedLookup } from './guarded-connect.ts';
import { type EndpointHealth, newHealth } from './health.ts';

export interface PoolOptions {
  /** Upper bound of connections to one endpoint. */
  connections: number;
  /** Idle upstream keep-alive, ms: below the usual 5 s of servers so we close first. */
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
}

export const defaultPoolOptions: PoolOptions = {
  connections: 1024,
  keepAliveTimeoutMs: 4000,
  connectTimeoutMs: 5000,
};

/** How to reach a backend's endpoints; `id` names it inside pool keys. */
export interface UpstreamTransport {
  protocol: Backend['protocol'];
  tls: Backend['tls'];
  /** The client certificate `tls.clientCertificate` names, resolved from the table (mTLS to the backend). */
  clientCertificate: Certificate | undefined;
  connectTimeoutMs: number | undefined;
  /** Endpoints the API server did not vet (ExternalName): every connection goes through the guard. */
  external: boolean;
  id: string;
}

export function transportOf(
  backend: Backend,
  connectTimeoutMs?: number,
  certificates: Readonly<Record<string, Certificate>> = {},
): UpstreamTransport {
  const external = backend.external === true;
  let id = `${backend.protocol} ct=${connectTimeoutMs ?? ''}${external ? ' external' : ''}`;
  const tls = backend.tls;
  let clientCertificate: Certificate | undefined;
  if (tls !== undefined && (backend.protocol === 'HTTPS' || backend.protocol === 'H2')) {
    const ca = tls.caPem === undefined ? '' : digest(tls.caPem);
    id += ` sni=${tls.serverName ?? ''} verify=${tls.verify} ca=${ca}`;
    if (tls.minVersion !== undefined || tls.maxVersion !== undefined)
      id += ` versions=${tls.minVersion ?? ''}-${tls.maxVersion ?? ''}`;
    const name = tls.clientCertificate;
    if (name !== undefined && Object.hasOwn(certificates, name)) {
      clientCertificate = certificates[name];
      // By content: a renewed client certificate gets new pools, whose connections present it.
      id += ` client=${digest(clientCertificate.certPem + clientCertificate.keyPem)}`;
    }
  }
  return { protocol: backend.protocol, tls: backend.tls, clientCertificate, connectTimeoutMs, external, id };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function originOf(address: string, port: number, protocol: Backend['protocol']): string {
  const scheme = protocol === 'HTTPS' || protocol === 'H2' ? 'https' : 'http';
  const host = address.includes(':') ? `[${address}]` : address;
  return `${scheme}://${host}:${port}`;
}

/**
 * The pools a table uses: its endpoint lists, each with the transport its backend reaches them
 * over. Lists of the compiled endpoints themselves, so a 50 000-endpoint table costs two short
 * arrays here, not a set of 50 000 key strings (~4 MiB).
 */
export class PoolKeys {
  readonly #transports: UpstreamTransport[] = [];
  readonly #endpoints: Array<readonly { readonly origin: string }[]> = [];

  add(transport: UpstreamTransport, endpoints: readonly { readonly origin: string }[]): void {
    this.#transports.push(transport);
    this.#endpoints.push(endpoints);
  }

  forEach(visit: (origin: string, transportId: string) => void): void {
    for (let i = 0; i < this.#transports.length; i++) {
      const id = this.#transports[i].id;
      for (const endpoint of this.#endpoints[i]) visit(endpoint.origin, id);
    }
  }
}

interface Entry {
  pool: Pool;
  /** The last retainOnly that found this pool in use. */
  mark: number;
}

interface HealthEntry {
  health: EndpointHealth;
  mark: number;
}

/** Pools asked for without a transport (plain HTTP/1.1): no table names them, so none is kept. */
const NO_TRANSPORT = '';

export class UpstreamPools {
  /** Transport id → origin → pool: found from a table's own strings, no key is built per lookup. */
  readonly #pools = new Map<string, Map<string, Entry>>();
  readonly #health = new Map<string, HealthEntry>();
  readonly #options: PoolOptions;
  readonly #policy: AddressPolicy;
  readonly #lookup: ReturnType<typeof guardedLookup>;
  /** Raw TCP connectors (SSL passthrough), by guard and timeout: built once, like a pool's. */
  readonly #tcp = new Map<string, buildConnector.connector>();
  #mark = 0;

  constructor(options: PoolOptions = defaultPoolOptions, policy: AddressPolicy = new AddressGuard()) {
    this.#options = options;
    this.#policy = policy;
    this.#lookup = guardedLookup(policy);
  }

  /** The pool for `origin` over `transport` (plain HTTP/1.1 when omitted), created on first use. */
  get(origin: string, transport?: UpstreamTransport): Pool {
    const id = transport?.id ?? NO_TRANSPORT;
    let byOrigin = this.#pools.get(id);
    if (byOrigin === undefined) {
      byOrigin = new Map();
      this.#pools.set(id, byOrigin);
    }
    let entry = byOrigin.get(origin);
    if (entry === undefined) {
      entry = { pool: this.#create(origin, transport), mark: this.#mark };
      byOrigin.set(origin, entry);
    }
    return entry.pool;
  }

  health(origin: string): EndpointHealth {
    let entry = this.#health.get(origin);
    if (entry === undefined) {
      entry = { health: newHealth(), mark: this.#mark };
      this.#health.set(origin, entry);
    }
    return entry.health;
  }

  #create(origin: string, transport: UpstreamTransport | undefined): Pool {
    const o = this.#options;
    const protocol = transport?.protocol ?? 'HTTP';
    const timeout = transport?.connectTimeoutMs ?? o.connectTimeoutMs;
    const h2 = protocol === 'H2' || protocol === 'H2C';
    const tls = protocol === 'HTTPS' || protocol === 'H2';
    const { hostname } = new URL(origin);
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    // Pod addresses were vetted by the API server (it refuses loopback and link-local endpoints);
    // an ExternalName, and a name from any table, are checked on every connect instead.
    const guarded = transport?.external === true || isIP(host) === 0;
    const lookup = guarded ? this.#lookup : undefined;
    let connect: buildConnector.connector | { timeout: number } = { timeout };
    if (tls) connect = tlsConnector(host, transport, timeout, protocol === 'H2', lookup);
    else if (guarded) {
      // What undici's Pool builds from `{ timeout }` for this protocol, plus the guarded lookup.
      const plain = { timeout, lookup, allowH2: h2, useH2c: protocol === 'H2C' };
      connect = buildConnector(plain as buildConnector.BuildOptions);
    }
    if (guarded) connect = guardedConnector(this.#policy, connect as buildConnector.connector);
    const pool = new Pool(origin, {
      connections: o.connections,
      pipelining: 1,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      keepAliveMaxTimeout: o.keepAliveTimeoutMs,
      // HTTPS means HTTP/1.1 over TLS: undici would otherwise accept h2 if the pod offers it.
      allowH2: h2,
      ...(protocol === 'H2C' ? { useH2c: true } : {}),
      connect,
    });
    // A pool error is reported per request; the pool itself must never take the worker down.
    pool.on('connectionError', () => {});
    return pool;
  }

  /**
   * A raw TCP connection to an endpoint, for SSL passthrough: the same connect timeout, and for
   * endpoints the API server did not vet the same address guard, as the pools' connections.
   */
  connectTcp(origin: string, external: boolean, callback: buildConnector.Callback): void {
    const { hostname, port } = new URL(origin);
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const guarded = external || isIP(host) === 0;
    const timeout = this.#options.connectTimeoutMs;
    const key = `${guarded} ${timeout}`;
    let connector = this.#tcp.get(key);
    if (connector === undefined) {
      connector = buildConnector({
        timeout,
        ...(guarded ? { lookup: this.#lookup } : {}),
      } as buildConnector.BuildOptions);
      if (guarded) connector = guardedConnector(this.#policy, connector);
      this.#tcp.set(key, connector);
    }
    connector({ hostname: host, host: `${hostname}:${port}`, protocol: 'http:', port }, callback);
  }

  /** Close the pools (and forget the health) of what the current table no longer uses. */
  retainOnly(inUse: PoolKeys): void {
    const mark = ++this.#mark;
    // Marked from the table, not the pools: pools are created on first use, and an endpoint that
    // has not been used yet still keeps its health (outlier state) across tables.
    inUse.forEach((origin, transportId) => {
      const entry = this.#pools.get(transportId)?.get(origin);
      if (entry !== undefined) entry.mark = mark;
      const health = this.#health.get(origin);
      if (health !== undefined) health.mark = mark;
    });
    for (const [id, byOrigin] of this.#pools) {
      for (const [origin, entry] of byOrigin) {
        if (entry.mark === mark) continue;
        byOrigin.delete(origin);
        entry.pool.close().catch(() => {});
      }
      if (byOrigin.size === 0) this.#pools.delete(id);
    }
    for (const [origin, entry] of this.#health) if (entry.mark !== mark) this.#health.delete(origin);
  }

  get size(): number {
    let n = 0;
    for (const byOrigin of this.#pools.values()) n += byOrigin.size;
    return n;
  }

  async closeAll(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const byOrigin of this.#pools.values())
      for (const entry of byOrigin.values()) closing.push(entry.pool.close().catch(() => {}));
    this.#pools.clear();
    await Promise.all(closing);
  }
}

/**
 * Dispatch option `servername` for every request: undici would otherwise take SNI from each
 * request's Host header and drop the connection whenever it changes. The SNI actually sent is
 * the connector's (tlsConnector), so this constant only keeps connections reusable.
 */
export const POOLED_SERVERNAME = 'gatehouse-upstream';

/**
 * TLS to the pod. SNI is `tls.serverName`, else the endpoint's DNS name, else none (an IP address
 * is no SNI, RFC 6066 §3). Without `tls.verify` the certificate is not checked, as nginx's
 * proxy_ssl_verify off: encrypted, not authenticated. With it, against `caPem` if given, else
 * the system roots, and for the SNI name (or the address). A client certificate, when the table
 * names one, is presented to the backend (nginx proxy_ssl_certificate).
 */
function tlsConnector(
  address: string,
  transport: UpstreamTransport | undefined,
  timeout: number,
  preferH2: boolean,
  lookup: ReturnType<typeof guardedLookup> | undefined,
): buildConnector.connector {
  const tls = transport?.tls;
  const client = transport?.clientCertificate;
  const verify = tls?.verify === true;
  const servername = tls?.serverName ?? (isIP(address) === 0 ? address : undefined);
  const connector = buildConnector({
    timeout,
    allowH2: preferH2,
    preferH2,
    rejectUnauthorized: verify,
    ...(lookup !== undefined ? { lookup } : {}),
    ...(verify && tls?.caPem ? { ca: tls.caPem } : {}),
    ...(servername !== undefined ? { servername } : {}),
    ...(client !== undefined ? { cert: client.certPem, key: client.keyPem } : {}),
    ...(tls?.minVersion !== undefined ? { minVersion: tls.minVersion } : {}),
    ...(tls?.maxVersion !== undefined ? { maxVersion: tls.maxVersion } : {}),
  });
  return (options, callback) => connector({ ...options, servername }, callback);
}
