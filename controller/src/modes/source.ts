// What main needs from a source of objects, whichever mode: a snapshot, its own diagnostics,
// whether it has synced and is healthy, and a signal when something changed.
import type { Diagnostic, Snapshot } from '../snapshot.ts';

export interface Check {
  ok: boolean;
  detail: string;
}

export interface ObjectSource {
  readonly mode: 'standalone' | 'cluster';
  snapshot(): Snapshot;
  diagnostics(): Diagnostic[];
  /** Every kind has been read once: a table built now is complete. */
  synced(): boolean;
  healthy(): Check;
  /** Resolves once the first complete snapshot is available (or rejects: the source cannot start). */
  start(onChange: () => void): Promise<void>;
  stop(): Promise<void>;
}
