// The sync loop: a source says "something changed"; after a short debounce (bounded by a
// maximum delay, so a steady stream of changes still gets through) the current snapshot is
// translated and, only if the table differs from the last one pushed, pushed with a new version.
import type { RouteTable } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic, Snapshot } from '../snapshot.ts';
import { type TranslateOptions, translate } from '../translate/index.ts';
import type { PolicyOutcome } from '../translate/policy/status.ts';
import { Debouncer } from './debounce.ts';

export interface SyncLoopOptions {
  snapshot(): Snapshot;
  /** Diagnostics the source itself found (unparsable files, unknown kinds). */
  sourceDiagnostics?(): Diagnostic[];
  translateOptions(): TranslateOptions;
  push(table: RouteTable): void;
  /** Called with the diagnostics that are new since the previous pass, and all current ones. */
  onDiagnostics(fresh: Diagnostic[], all: Diagnostic[]): void;
  onTranslated?(info: { version: number; changed: boolean; translateMs: number; routes: number }): void;
  debounceMs?: number;
  maxDelayMs?: number;
}

export function diagnosticKey(d: Diagnostic): string {
  return `${d.object.kind}/${d.object.namespace ?? ''}/${d.object.name}|${d.field ?? ''}|${d.reason}|${d.message}`;
}

export class SyncLoop {
  readonly #options: SyncLoopOptions;
  readonly #debouncer: Debouncer;
  #lastContent: string | undefined;
  #version = 0;
  #seen = new Set<string>();
  #handled: Array<{ namespace: string; name: string }> = [];
  #policies: PolicyOutcome[] = [];

  constructor(options: SyncLoopOptions) {
    this.#options = options;
    this.#debouncer = new Debouncer(options.debounceMs ?? 50, options.maxDelayMs ?? 500, () =>
      this.syncNow(),
    );
  }

  get version(): number {
    return this.#version;
  }

  /** Ingresses the last translation found to be ours (for the status writer). */
  get handled(): Array<{ namespace: string; name: string }> {
    return this.#handled;
  }

  /** Each RoutePolicy's conditions from the last translation (for the status writer). */
  get policies(): PolicyOutcome[] {
    return this.#policies;
  }

  /** Something changed: sync soon, coalescing with whatever else changes meanwhile. */
  schedule(): void {
    this.#debouncer.trigger();
  }

  /** Translate and push now; returns whether a new table was pushed. */
  syncNow(): boolean {
    this.#debouncer.cancel();
    const started = performance.now();
    const { table, diagnostics, handled, policies } = translate(
      this.#options.snapshot(),
      this.#options.translateOptions(),
    );
    this.#handled = handled;
    this.#policies = policies ?? [];
    const all = [...(this.#options.sourceDiagnostics?.() ?? []), ...diagnostics];
    const keys = new Set(all.map(diagnosticKey));
    const fresh = all.filter((d) => !this.#seen.has(diagnosticKey(d)));
    this.#seen = keys;
    this.#options.onDiagnostics(fresh, all);
    const content = JSON.stringify(table);
    const changed = content !== this.#lastContent;
    if (changed) {
      this.#lastContent = content;
      this.#version++;
      this.#options.push({ version: this.#version, ...table });
    }
    const routes = table.hosts.reduce((n, h) => n + h.routes.length, 0);
    this.#options.onTranslated?.({
      version: this.#version,
      changed,
      translateMs: performance.now() - started,
      routes,
    });
    return changed;
  }

  stop(): void {
    this.#debouncer.cancel();
  }
}
