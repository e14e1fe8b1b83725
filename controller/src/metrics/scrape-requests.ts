// Asking workers for their metrics over IPC: one request id per scrape, answers gathered until
// every asked worker replied or the deadline passed. A silent worker (busy, dying, just
// respawned) is left out of that scrape rather than failing it.
import type { MetricFamily } from '../../../dataplane/src/table/messages.ts';

interface Pending {
  answers: MetricFamily[][];
  waiting: number;
  timer: NodeJS.Timeout;
  resolve: (answers: MetricFamily[][]) => void;
}

export class ScrapeRequests {
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  /** `ask(id)` sends the request to every live worker and returns how many were asked. */
  collect(ask: (id: number) => number, timeoutMs: number): Promise<MetricFamily[][]> {
    const id = this.#next++;
    return new Promise((resolve) => {
      const pending: Pending = {
        answers: [],
        waiting: 0,
        resolve,
        timer: setTimeout(() => this.#finish(id), timeoutMs),
      };
      this.#pending.set(id, pending);
      pending.waiting = ask(id);
      if (pending.waiting === 0) this.#finish(id);
    });
  }

  /** A worker's answer; late answers (after the deadline) are ignored. */
  answer(id: number, metrics: MetricFamily[]): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    pending.answers.push(metrics);
    if (--pending.waiting <= 0) this.#finish(id);
  }

  #finish(id: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(pending.answers);
  }
}
