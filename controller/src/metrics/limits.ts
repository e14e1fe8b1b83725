// The replica's rate-limit budgets as the primary keeps them (controller/src/limits/ledger.ts), read
// at scrape time: requests leased to each worker (the per-worker split of one budget) and keys
// forgotten because a zone was full.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GlobalLimits } from '../limits/global-store.ts';
import type { LimitLedger } from '../limits/ledger.ts';

/** What the metrics read of the global store (GlobalLimits). */
export type StoreView = Pick<GlobalLimits, 'configured' | 'storeUp' | 'fallbacks'>;

export function registerLimitMetrics(registry: Registry, ledger: LimitLedger, global: StoreView): void {
  const registers = [registry];
  new Counter({
    name: 'gatehouse_rate_limit_leased_total',
    help: "Requests of the replica's rate-limit budgets leased to each worker.",
    labelNames: ['worker'],
    registers,
    collect() {
      this.reset();
      for (const [worker, n] of ledger.granted) this.inc({ worker: String(worker) }, n);
    },
  });
  new Counter({
    name: 'gatehouse_rate_limit_evictions_total',
    help: 'Client addresses forgotten by a rate-limit zone that was full (least recently used first).',
    registers,
    collect() {
      this.reset();
      this.inc(ledger.evictions);
    },
  });
  if (!global.configured) return;
  new Gauge({
    name: 'gatehouse_rate_limit_store_up',
    help: '1 while the --rate-limit-store answers; 0 while global-rate-limit falls back to this replica alone.',
    registers,
    collect() {
      this.set(global.storeUp);
    },
  });
  new Counter({
    name: 'gatehouse_rate_limit_store_fallbacks_total',
    help: 'global-rate-limit requests decided by this replica alone because the store did not answer.',
    registers,
    collect() {
      this.reset();
      this.inc(global.fallbacks);
    },
  });
}
