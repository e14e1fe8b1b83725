// Messages on the IPC channel between the primary and a worker: part of the data plane's
// contract, like the table itself. The primary always sends the whole table, versioned.
import type { RouteTable } from './types.ts';

export interface WorkerConfig {
  /** 1-based slot of this worker, stable across respawns. */
  slot: number;
  httpPort: number;
  httpsPort: number;
  bindAddress: string;
  trustedProxies: string[];
  logLevel: string;
  logFormat: 'json' | 'text';
  /** How long SIGTERM waits for in-flight requests before closing what is left. */
  drainTimeoutMs: number;
}

export type ToWorker = { type: 'init'; config: WorkerConfig } | { type: 'table'; table: RouteTable };

export type FromWorker =
  | { type: 'applied'; version: number; compileMs: number }
  | { type: 'rejected'; version: number; errors: string[] }
  | { type: 'listening'; http: number; https?: number }
  | { type: 'fatal'; message: string };
