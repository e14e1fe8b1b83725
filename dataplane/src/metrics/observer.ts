// The worker's ExchangeObserver: measures a finished exchange once (duration, bytes) and hands it
// to the metrics and, when on, the access log. Absent altogether when both are off.
import type { AccessLog } from '../proxy/access-log.ts';
import type { ExchangeEnd, ExchangeObserver } from '../proxy/observer.ts';
import { measureBytes, measured } from './bytes.ts';
import type { ProxyMetrics } from './proxy-metrics.ts';

export class ProxyObserver implements ExchangeObserver {
  readonly sampleRate: number;
  readonly #metrics: ProxyMetrics | undefined;
  readonly #accessLog: AccessLog | undefined;

  constructor(metrics: ProxyMetrics | undefined, accessLog: AccessLog | undefined) {
    this.#metrics = metrics;
    this.#accessLog = accessLog;
    this.sampleRate = accessLog?.sampleRate ?? 0;
  }

  onExchangeEnd(end: ExchangeEnd): void {
    // An exchange that went upstream has just read the clock; clock reads cost ~100 ns on some VMs.
    const now = end.upstreamEndedAt > 0 ? end.upstreamEndedAt : performance.now();
    measureBytes(end);
    const bytesIn = measured.in;
    const bytesOut = measured.out;
    this.#metrics?.record(end, (now - end.startedAt) / 1000, bytesIn, bytesOut);
    this.#accessLog?.write(end, now, bytesIn, bytesOut);
  }
}
