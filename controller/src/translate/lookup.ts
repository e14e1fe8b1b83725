// The snapshot, indexed once per translation: objects by namespace/name, EndpointSlices by the
// Service they belong to. Duplicate keys (a source bug, or a YAML folder naming an object twice)
// are resolved by content, never by arrival order, so the result does not depend on input order.
import type { Snapshot } from '../snapshot.ts';
import { compareText, type Fields, isRecord, list, record, text } from './guard.ts';

/** An Ingress after its metadata was checked: what the other stages read. */
export interface IngressView {
  namespace: string;
  name: string;
  /** Milliseconds since the epoch; objects without a valid creationTimestamp count as newest. */
  created: number;
  annotations: Fields;
  spec: Fields;
}

export interface SnapshotIndex {
  /** Oldest first, then by namespace/name: the order in which route conflicts are decided. */
  ingresses: IngressView[];
  ingressClasses: Map<string, Fields>;
  services: Map<string, Fields>;
  /** Keyed `namespace/service` from the `kubernetes.io/service-name` label. */
  endpointSlices: Map<string, Fields[]>;
  secrets: Map<string, Fields>;
  configMaps: Map<string, Fields>;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

// Standalone manifests often omit the namespace; kubectl would put them in `default`.
const DEFAULT_NAMESPACE = 'default';
/** Namespaces are DNS-1123 labels, which keeps the keys built from them within the table's bounds. */
export const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function indexSnapshot(snapshot: Snapshot): SnapshotIndex {
  const source = record(snapshot as unknown);
  const ingresses = new Map<string, IngressView & { raw: unknown }>();
  for (const raw of list(source.ingresses)) {
    const view = viewIngress(raw);
    if (view === undefined) continue;
    const key = objectKey(view.namespace, view.name);
    const seen = ingresses.get(key);
    if (seen === undefined || prefer(raw, seen.raw)) ingresses.set(key, { ...view, raw });
  }
  const sorted = [...ingresses.values()].map(({ raw: _raw, ...view }) => view).sort(compareAge);

  const endpointSlices = new Map<string, Fields[]>();
  for (const raw of list(source.endpointSlices)) {
    if (!isRecord(raw)) continue;
    const meta = record(raw.metadata);
    const service = text(record(meta.labels)[SERVICE_NAME_LABEL]);
    if (service === undefined) continue;
    const key = objectKey(namespaceOf(meta), service);
    const slices = endpointSlices.get(key) ?? [];
    slices.push(raw);
    endpointSlices.set(key, slices);
  }

  return {
    ingresses: sorted,
    ingressClasses: byKey(list(source.ingressClasses), (meta) => text(meta.name)),
    services: byKey(list(source.services), namespacedKey),
    endpointSlices,
    secrets: byKey(list(source.secrets), namespacedKey),
    configMaps: byKey(list(source.configMaps), namespacedKey),
  };
}

export function compareAge(a: IngressView, b: IngressView): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}

function viewIngress(raw: unknown): IngressView | undefined {
  if (!isRecord(raw)) return undefined;
  const meta = record(raw.metadata);
  const name = text(meta.name);
  if (name === undefined || name.length > 253) return undefined;
  const namespace = namespaceOf(meta);
  // The API server guarantees both; a hand-written manifest that breaks them cannot be routed.
  if (!NAMESPACE.test(namespace)) return undefined;
  const stamp = typeof meta.creationTimestamp === 'string' ? Date.parse(meta.creationTimestamp) : Number.NaN;
  return {
    namespace,
    name,
    created: Number.isNaN(stamp) ? Number.POSITIVE_INFINITY : stamp,
    annotations: record(meta.annotations),
    spec: record(raw.spec),
  };
}

function namespaceOf(meta: Fields): string {
  return text(meta.namespace) ?? DEFAULT_NAMESPACE;
}

function namespacedKey(meta: Fields): string | undefined {
  const name = text(meta.name);
  return name === undefined ? undefined : objectKey(namespaceOf(meta), name);
}

function byKey(objects: unknown[], keyOf: (meta: Fields) => string | undefined): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const raw of objects) {
    if (!isRecord(raw)) continue;
    const key = keyOf(record(raw.metadata));
    if (key === undefined) continue;
    const seen = out.get(key);
    if (seen === undefined || prefer(raw, seen)) out.set(key, raw);
  }
  return out;
}

// Two objects under one key: keep the one whose serialisation sorts first, whatever came first.
function prefer(candidate: unknown, current: unknown): boolean {
  return compareText(serialise(candidate), serialise(current)) < 0;
}

function serialise(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
