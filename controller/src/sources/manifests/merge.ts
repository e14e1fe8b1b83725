// The objects of every file → one Snapshot. Deterministic whatever order files were read in:
// files apply in sorted path order (a later file wins a duplicate, as a later `kubectl apply`
// would), and each kind's list is sorted by namespace/name.
import type { AnyObject, Diagnostic, Snapshot } from '../../snapshot.ts';
import { emptySnapshot } from '../../snapshot.ts';

export interface FileObjects {
  path: string;
  objects: AnyObject[];
}

export function mergeManifests(files: readonly FileObjects[]): {
  snapshot: Snapshot;
  diagnostics: Diagnostic[];
} {
  const byKey = new Map<string, { object: AnyObject; path: string }>();
  const diagnostics: Diagnostic[] = [];
  const sorted = [...files].sort((a, b) => compare(a.path, b.path));
  for (const { path, objects } of sorted) {
    for (const object of objects) {
      const { namespace, name } = object.metadata;
      const key = `${object.kind}/${namespace ?? ''}/${name}`;
      const earlier = byKey.get(key);
      if (earlier) {
        const where = earlier.path === path ? `twice in ${path}` : `in ${earlier.path} and ${path}`;
        diagnostics.push({
          object:
            namespace === undefined ? { kind: object.kind, name } : { kind: object.kind, namespace, name },
          reason: 'DuplicateObject',
          message: `${object.kind} ${namespace ? `${namespace}/` : ''}${name} is declared ${where}; the one in ${path} (later) is used`,
        });
      }
      byKey.set(key, { object, path });
    }
  }

  const snapshot = emptySnapshot();
  for (const { object } of byKey.values()) {
    switch (object.kind) {
      case 'Ingress':
        snapshot.ingresses.push(object);
        break;
      case 'IngressClass':
        snapshot.ingressClasses.push(object);
        break;
      case 'Service':
        snapshot.services.push(object);
        break;
      case 'EndpointSlice':
        snapshot.endpointSlices.push(object);
        break;
      case 'Secret':
        snapshot.secrets.push(object);
        break;
      case 'ConfigMap':
        snapshot.configMaps?.push(object);
        break;
    }
  }
  for (const list of Object.values(snapshot) as AnyObject[][]) list.sort(byNamespaceName);
  return { snapshot, diagnostics };
}

function byNamespaceName(a: AnyObject, b: AnyObject): number {
  return (
    compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compare(a.metadata.name, b.metadata.name)
  );
}

/** Code-unit order, not locale order: the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
