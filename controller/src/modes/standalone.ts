// Standalone mode: --manifests PATH as the source of objects.
import type { Logger } from '../log.ts';
import { type Diagnostic, emptySnapshot, type Snapshot } from '../snapshot.ts';
import type { ManifestLimits } from '../sources/manifests/limits.ts';
import { ManifestSource } from '../sources/manifests/source.ts';
import type { ObjectSource } from './source.ts';

export function standaloneSource(path: string, log: Logger, limits?: ManifestLimits): ObjectSource {
  const source = new ManifestSource(path, { log: log.child({ component: 'manifests' }), limits });
  let snapshot: Snapshot = emptySnapshot();
  let diagnostics: Diagnostic[] = [];
  let synced = false;
  return {
    mode: 'standalone',
    snapshot: () => snapshot,
    diagnostics: () => diagnostics,
    synced: () => synced,
    healthy: () => ({ ok: true, detail: `reading ${path}` }),
    async start(onChange) {
      await source.start((next, found) => {
        snapshot = next;
        diagnostics = found;
        if (synced) onChange();
      });
      synced = true;
    },
    async stop() {
      source.stop();
    },
  };
}
