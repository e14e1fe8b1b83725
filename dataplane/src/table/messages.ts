// Messages on the IPC channel between the primary and a worker: part of the data plane's
// contract, like the table itself. The primary always sends the whole table, versioned.
import type { Certificate, RouteTable } from './types.ts';

export interface WorkerConfig {
  /** 1-based slot of this worker, stable across respawns. */
  slot: number;
  httpPort: number;
  httpsPort: number;
  /** The port HTTP→HTTPS redirects name (clients' view of the HTTPS listener); absent: httpsPort. */
  httpsRedirectPort?: number;
  bindAddress: string;
  trustedProxies: string[];
  /** Every connection opens with a PROXY protocol v1/v2 header from a trusted proxy (--proxy-protocol). */
  proxyProtocol?: boolean;
  logLevel: string;
  logFormat: 'json' | 'text';
  /** How long SIGTERM waits for in-flight requests before closing what is left. */
  drainTimeoutMs: number;
  /** One JSON line per request (`--access-log`), for this share of requests; absent: off. */
  accessLog?: { sampleRate: number };
  /** Request metrics on (the default) or off, for benchmarks comparing both. */
  metrics?: boolean;
  /** TLS session-ticket keys (48 bytes) shared by all workers, so resumption works on any of them. */
  ticketKeys?: Uint8Array;
  /** Served for TLS names without a certificate when the table names no default (self-signed). */
  defaultCertificate?: Certificate;
  /** Time allowed for a request's headers (slowloris: 408 after it); keep-alive idle time. */
  clientHeaderTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Longest wait for the next request-body byte (408 after); nginx's client_body_timeout. */
  clientBodyTimeoutMs?: number;
  /** Bytes per second a request body must average after its grace (408 below); 0: no minimum. */
  clientBodyMinRate?: number;
  /** Waiting time a request body gets before the minimum rate applies. */
  clientBodyMinRateGraceMs?: number;
  /**
   * This installation's Via pseudonym (an HTTP token), the same in every worker: forwarded requests
   * carry it, and one that comes back with it is a loop (508). A worker given none draws its own.
   */
  viaPseudonym?: string;
}

/** One metric family in the shape of prom-client's `getMetricsAsJSON()`, which the primary aggregates. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  aggregator: 'omit' | 'sum' | 'first' | 'min' | 'max' | 'average';
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
}

export type ToWorker =
  | { type: 'init'; config: WorkerConfig }
  | { type: 'table'; table: RouteTable }
  | { type: 'metrics-request'; id: number }
  | { type: 'ticket-keys'; keys: Uint8Array }
  /** The primary's answer to a limit-lease (requests granted) or limit-acquire (1 or 0). */
  | { type: 'limit-answer'; id: number; granted: number };

export type FromWorker =
  | { type: 'applied'; version: number; compileMs: number }
  | { type: 'rejected'; version: number; errors: string[] }
  | { type: 'listening'; http: number; https?: number }
  | { type: 'fatal'; message: string }
  | { type: 'metrics'; id: number; metrics: MetricFamily[] }
  // Rate limits: one budget per replica, kept by the primary (controller/src/limits/ledger.ts).
  | LimitMessage;

/** One limit_req zone's parameters: requests per millisecond and the burst (nginx `burst=`). */
export interface BucketSpec {
  readonly perMs: number;
  readonly burst: number;
}

/** A worker's side of the replica's rate-limit budgets, kept by the primary. */
export type LimitMessage =
  /** `need` requests are waiting; up to `want` in all (the rest is prefetch). Answered limit-answer. */
  | {
      type: 'limit-lease';
      id: number;
      zone: string;
      key: string;
      need: number;
      want: number;
      buckets: BucketSpec[];
    }
  /** Leased requests not used before the lease expired. */
  | { type: 'limit-return'; zone: string; key: string; buckets: BucketSpec[]; count: number }
  /** limit_conn: one more request in progress, if under `limit`. Answered limit-answer (1 or 0). */
  | { type: 'limit-acquire'; id: number; zone: string; key: string; limit: number }
  | { type: 'limit-release'; zone: string; key: string }
  /** One request against a global-rate-limit window (the store, else this replica). Answered limit-answer. */
  | { type: 'limit-global'; id: number; zone: string; key: string; limit: number; windowSeconds: number };
