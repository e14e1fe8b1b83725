// Diagnostics are accumulated as data (Contour's status-writer habit) and handed back sorted, so
// that two translations of the same objects report the same list in the same order.
import type { Diagnostic } from '../snapshot.ts';
import { compareText } from './guard.ts';

export type ObjectRef = Diagnostic['object'];

export function ingressObject(namespace: string, name: string): ObjectRef {
  return { kind: 'Ingress', namespace, name };
}

export function flagObject(flag: string): ObjectRef {
  return { kind: 'Flag', name: flag };
}

function sortKey(d: Diagnostic): string[] {
  return [d.object.kind, d.object.namespace ?? '', d.object.name, d.field ?? '', d.reason, d.message];
}

/** Sorted, with exact duplicates (the same problem reached twice) collapsed. */
export function settleDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const keyed = diagnostics.map((d) => ({ d, key: sortKey(d) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      const c = compareText(a.key[i], b.key[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
  const out: Diagnostic[] = [];
  let last = '';
  for (const { d, key } of keyed) {
    const joined = key.join('\u0000');
    if (joined === last) continue;
    last = joined;
    out.push(canonical(d));
  }
  return out;
}

// One key order and no `undefined`-valued keys, so deep-equal and JSON.stringify agree.
function canonical(d: Diagnostic): Diagnostic {
  const object: ObjectRef =
    d.object.namespace === undefined
      ? { kind: d.object.kind, name: d.object.name }
      : { kind: d.object.kind, namespace: d.object.namespace, name: d.object.name };
  return d.field === undefined
    ? { object, reason: d.reason, message: d.message }
    : { object, field: d.field, reason: d.reason, message: d.message };
}
