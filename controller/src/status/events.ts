// Kubernetes Events (events.k8s.io/v1) for diagnostics: a Warning on the object for every
// problem, a Normal when an Ingress becomes served. Only the leader records. Deduplicated (the
// same object, reason and message is recorded once per window) and rate limited by a token
// bucket, so a flapping object cannot flood the API server.
import { randomBytes } from 'node:crypto';
import type { Diagnostic, ObjectMeta } from '../snapshot.ts';
import { RESOURCES } from '../sources/kube/access.ts';
import type { KubeHttp } from '../sources/kube/kube-http.ts';
import { microTime } from './lease-store.ts';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: Pick<ObjectMeta, 'name' | 'namespace' | 'uid' | 'resourceVersion'>;
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  note: string;
  action: string;
  regarding: EventTarget;
}

export interface EventSink {
  create(namespace: string, body: object): Promise<void>;
}

export interface EventRecorderOptions {
  sink: EventSink;
  controllerName: string;
  identity: string;
  /**
   * Where Events about cluster-scoped objects (IngressClass) go: the controller's own namespace,
   * where its RBAC always lets it create Events — `default` may be outside a --watch-namespace
   * grant. `kubectl describe` of a cluster-scoped object searches every namespace, so it finds them.
   */
  ownNamespace: string;
  now?: () => number;
  /** The same event is recorded again only after this long. */
  dedupeWindowMs?: number;
  /** Token bucket: sustained events per second, and burst. */
  ratePerSecond?: number;
  burst?: number;
  onError?: (error: unknown, event: RecordedEvent) => void;
}

/** Kinds whose objects exist in the API: diagnostics about flags or manifest files have no object. */
const API_KINDS: Record<string, string> = {
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  Service: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Secret: 'v1',
  RoutePolicy: 'gatehouse.dev/v1alpha1',
};

export class EventRecorder {
  readonly #o: Required<Omit<EventRecorderOptions, 'onError'>> & Pick<EventRecorderOptions, 'onError'>;
  readonly #recent = new Map<string, number>();
  #tokens: number;
  #refilledAt: number;
  dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#o = { now: Date.now, dedupeWindowMs: 10 * 60_000, ratePerSecond: 5, burst: 25, ...options };
    this.#tokens = this.#o.burst;
    this.#refilledAt = this.#o.now();
  }

  /** A Warning for a diagnostic whose object is an API object; returns whether it was sent. */
  warn(
    diagnostic: Diagnostic,
    uidOf: (kind: string, namespace: string | undefined, name: string) => string | undefined,
  ): boolean {
    const apiVersion = API_KINDS[diagnostic.object.kind];
    if (apiVersion === undefined) return false;
    const { kind, namespace, name } = diagnostic.object;
    const note = diagnostic.field ? `${diagnostic.field}: ${diagnostic.message}` : diagnostic.message;
    return this.record({
      type: 'Warning',
      reason: diagnostic.reason,
      note,
      action: 'Translate',
      regarding: { apiVersion, kind, metadata: { name, namespace, uid: uidOf(kind, namespace, name) } },
    });
  }

  record(event: RecordedEvent): boolean {
    const now = this.#o.now();
    const key = `${event.regarding.kind}/${event.regarding.metadata.namespace ?? ''}/${event.regarding.metadata.name}|${event.type}|${event.reason}|${event.note}`;
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < this.#o.dedupeWindowMs) return false;
    if (!this.#take(now)) {
      this.dropped++;
      return false;
    }
    this.#recent.set(key, now);
    this.#forgetOld(now);
    const namespace = event.regarding.metadata.namespace ?? this.#o.ownNamespace;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${event.regarding.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
      eventTime: microTime(now),
      reportingController: this.#o.controllerName,
      reportingInstance: this.#o.identity,
      action: event.action,
      reason: event.reason,
      // The API caps note at 1 KiB.
      note: event.note.slice(0, 1024),
      type: event.type,
      regarding: {
        apiVersion: event.regarding.apiVersion,
        kind: event.regarding.kind,
        name: event.regarding.metadata.name,
        namespace: event.regarding.metadata.namespace,
        uid: event.regarding.metadata.uid,
        resourceVersion: event.regarding.metadata.resourceVersion,
      },
    };
    this.#o.sink.create(namespace, body).catch((error: unknown) => {
      // A failed write may be retried by a later pass: forget it so dedupe does not swallow it.
      this.#recent.delete(key);
      this.#o.onError?.(error, event);
    });
    return true;
  }

  #take(now: number): boolean {
    const elapsed = (now - this.#refilledAt) / 1000;
    this.#tokens = Math.min(this.#o.burst, this.#tokens + elapsed * this.#o.ratePerSecond);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #forgetOld(now: number): void {
    if (this.#recent.size < 4096) return;
    for (const [key, at] of this.#recent) if (now - at >= this.#o.dedupeWindowMs) this.#recent.delete(key);
  }
}

export function httpEventSink(client: KubeHttp, timeoutMs = 5_000): EventSink {
  return {
    async create(namespace, body) {
      // Always a new Event, never a PATCH of an earlier one: dedupe happens here, not in the API.
      await client.json({ resource: RESOURCES.events, verb: 'create', namespace, body, timeoutMs });
    },
  };
}
