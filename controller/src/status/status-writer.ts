// Writes `.status.loadBalancer.ingress` of the Ingresses this controller serves (leader only,
// only when it differs), and clears it on an Ingress that leaves the class. The decision is
// pure (ingress-status.ts); this file does the I/O: a GET of the whole object and a PUT to the
// status subresource with its resourceVersion, so a concurrent change wins and we retry.

import type { Diagnostic, Ingress, Snapshot } from '../snapshot.ts';
import { RESOURCES } from '../sources/kube/access.ts';
import type { KubeHttp } from '../sources/kube/kube-http.ts';
import {
  type IngressStatusUpdate,
  type PublishOptions,
  publishedAddresses,
  statusUpdates,
} from './ingress-status.ts';

export interface IngressStatusApi {
  get(namespace: string, name: string): Promise<Ingress>;
  replaceStatus(ingress: Ingress): Promise<void>;
}

export interface StatusWriterOptions {
  api: IngressStatusApi;
  publish: PublishOptions;
  onDiagnostics?: (diagnostics: Diagnostic[]) => void;
  onError?: (error: unknown, update: IngressStatusUpdate) => void;
  /** Writes in flight at once. */
  concurrency?: number;
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class IngressStatusWriter {
  readonly #o: StatusWriterOptions;
  /** Ingresses this process has written an address to: cleared when they leave the class. */
  readonly #owned = new Set<string>();
  written = 0;

  constructor(options: StatusWriterOptions) {
    this.#o = options;
  }

  /** Brings every status in line; resolves with how many writes failed (the caller retries later). */
  async sync(
    snapshot: Snapshot,
    handled: ReadonlyArray<{ namespace: string; name: string }>,
  ): Promise<number> {
    const { addresses, diagnostics } = publishedAddresses(this.#o.publish, snapshot.services);
    if (diagnostics.length > 0) this.#o.onDiagnostics?.(diagnostics);
    if (addresses === undefined) return 0;
    const handledKeys = new Set(handled.map((h) => key(h.namespace, h.name)));
    const ours: Ingress[] = [];
    const leaving: Ingress[] = [];
    for (const ing of snapshot.ingresses) {
      const k = key(ing.metadata.namespace, ing.metadata.name);
      if (handledKeys.has(k)) ours.push(ing);
      else if (this.#owned.has(k)) leaving.push(ing);
    }
    const updates = [...statusUpdates(ours, addresses), ...statusUpdates(leaving, [])];
    for (const k of handledKeys) this.#owned.add(k);
    for (const ing of leaving)
      if ((ing.status?.loadBalancer?.ingress ?? []).length === 0)
        this.#owned.delete(key(ing.metadata.namespace, ing.metadata.name));
    let failed = 0;
    const queue = [...updates];
    const worker = async (): Promise<void> => {
      for (let u = queue.shift(); u !== undefined; u = queue.shift()) {
        try {
          await this.#write(u);
          this.written++;
        } catch (error) {
          failed++;
          this.#o.onError?.(error, u);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency ?? 8, queue.length) }, worker));
    return failed;
  }

  async #write(update: IngressStatusUpdate): Promise<void> {
    const current = await this.#o.api.get(update.namespace, update.name);
    current.status = { ...current.status, loadBalancer: { ingress: update.ingress } };
    await this.#o.api.replaceStatus(current);
  }
}

export function httpIngressStatusApi(client: KubeHttp, timeoutMs = 5_000): IngressStatusApi {
  return {
    get: (namespace, name) =>
      client.json<Ingress>({ resource: RESOURCES.ingresses, verb: 'get', namespace, name, timeoutMs }),
    async replaceStatus(ingress) {
      await client.json({
        resource: RESOURCES.ingressStatus,
        verb: 'update',
        namespace: ingress.metadata.namespace ?? 'default',
        name: ingress.metadata.name,
        body: ingress,
        timeoutMs,
      });
    },
  };
}
