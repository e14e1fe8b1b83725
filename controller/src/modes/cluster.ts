// Cluster mode: the watch layer as the source of objects, plus the leader's duties (Ingress
// status, Events). Every replica serves traffic; only the Lease holder writes to the API.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Flags } from '../cli/flags.ts';
import type { Logger } from '../log.ts';
import type { Diagnostic, Snapshot } from '../snapshot.ts';
import {
  KubeHttp,
  type KubeSource,
  kubeSource,
  loadKubeConfig,
  type WatchNotice,
} from '../sources/kube/index.ts';
import { EventRecorder, httpEventSink } from '../status/events.ts';
import { LeaderElector } from '../status/leader.ts';
import { httpLeaseStore } from '../status/lease-store.ts';
import { httpIngressStatusApi, IngressStatusWriter } from '../status/status-writer.ts';
import { referencedConfigMaps, referencedSecrets } from '../translate/index.ts';
import type { ObjectSource } from './source.ts';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace this replica runs in: where its Lease lives. */
export function ownNamespace(env: NodeJS.ProcessEnv): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

/** Unique per replica and per process start: a restarted pod must not inherit its old term. */
export function replicaIdentity(env: NodeJS.ProcessEnv): string {
  return `${env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
}

export interface Cluster {
  source: ObjectSource;
  /** Leader-only work after each translation: status and Warning Events. */
  afterSync(
    snapshot: Snapshot,
    handled: ReadonlyArray<{ namespace: string; name: string }>,
    diagnostics: Diagnostic[],
  ): void;
  /** Every worker serves the table in which these Ingresses are handled. */
  served(handled: ReadonlyArray<{ namespace: string; name: string }>): void;
  isLeader(): boolean;
  watchStats(): ReturnType<KubeSource['stats']>;
  /** Per-name watches of referenced Secrets running now. */
  secretWatches(): number;
}

export function clusterMode(
  flags: Flags,
  log: Logger,
  hooks: { onWatchNotice?: (n: WatchNotice) => void; onLeaderChange?: (leading: boolean) => void } = {},
): Cluster {
  const kc = loadKubeConfig(flags.kubeconfig);
  const client = new KubeHttp(kc);
  const watchLog = log.child({ component: 'watch' });
  // Only the Secrets translation would read are requested, each by name (secret-references.ts).
  const referenceOptions = {
    ingressClass: flags.ingressClass,
    controllerName: flags.controllerName,
    defaultSslCertificate: flags.defaultSslCertificate,
    annotationsPrefix: flags.annotationsPrefix,
  };
  const kube = kubeSource(client, {
    watchNamespace: flags.watchNamespace,
    secretReferences: (objects) => referencedSecrets(objects, referenceOptions),
    // Only the ConfigMaps custom-headers names, in the Ingress's own namespace (configmap-references.ts).
    configMapReferences: (objects) => referencedConfigMaps(objects, referenceOptions),
    maxSecretWatches: flags.maxSecretWatches,
    onNotice: (n) => {
      hooks.onWatchNotice?.(n);
      const level = n.what === 'listed' || n.what === 'closed' ? 'debug' : 'warn';
      watchLog.log(level, `watch ${n.what}`, { ...n });
    },
  });
  const identity = replicaIdentity(process.env);
  const namespace = ownNamespace(process.env);
  const statusLog = log.child({ component: 'status' });
  const writer = new IngressStatusWriter({
    api: httpIngressStatusApi(client),
    publish: { publishService: flags.publishService, publishAddress: flags.publishAddress },
    onError: (error, u) =>
      statusLog.warn('status write failed; will retry', {
        namespace: u.namespace,
        name: u.name,
        error: String(error),
      }),
  });
  const events = new EventRecorder({
    sink: httpEventSink(client),
    controllerName: flags.controllerName,
    identity,
    ownNamespace: namespace,
    onError: (error, e) => statusLog.debug('event not recorded', { reason: e.reason, error: String(error) }),
  });
  let leading = false;
  let last:
    | {
        snapshot: Snapshot;
        handled: ReadonlyArray<{ namespace: string; name: string }>;
        diagnostics: Diagnostic[];
      }
    | undefined;
  let retry: NodeJS.Timeout | undefined;
  let writing = false;
  const announced = new Set<string>();

  const uidOf = (kind: string, ns: string | undefined, name: string): string | undefined => {
    const snapshot = last?.snapshot;
    if (!snapshot) return undefined;
    const list: ReadonlyArray<{ metadata: { namespace?: string; name: string; uid?: string } }> =
      kind === 'Ingress'
        ? snapshot.ingresses
        : kind === 'Service'
          ? snapshot.services
          : kind === 'Secret'
            ? snapshot.secrets
            : kind === 'IngressClass'
              ? snapshot.ingressClasses
              : snapshot.endpointSlices;
    return list.find((o) => o.metadata.name === name && o.metadata.namespace === ns)?.metadata.uid;
  };

  const leaderPass = (): void => {
    if (!leading || last === undefined || writing) return;
    for (const d of last.diagnostics) events.warn(d, uidOf);
    writing = true;
    const { snapshot, handled } = last;
    writer
      .sync(snapshot, handled)
      .then((failed) => {
        clearTimeout(retry);
        if (failed > 0 && leading) retry = setTimeout(leaderPass, 5_000);
      })
      .finally(() => {
        writing = false;
      });
  };

  const elector = new LeaderElector({
    identity,
    namespace,
    leaseName: flags.ingressClass,
    store: httpLeaseStore(client, namespace, flags.ingressClass),
    onStartedLeading: () => {
      leading = true;
      statusLog.info('became leader', { identity });
      hooks.onLeaderChange?.(true);
      leaderPass();
    },
    onStoppedLeading: () => {
      // Stop writing at once: another replica may already hold the lease.
      leading = false;
      clearTimeout(retry);
      statusLog.info('stopped leading', { identity });
      hooks.onLeaderChange?.(false);
    },
    onNotice: (n) => statusLog.debug(`leader ${n.what}`, { ...n }),
  });

  const source: ObjectSource = {
    mode: 'cluster',
    snapshot: () => kube.snapshot(),
    diagnostics: () => kube.diagnostics(),
    synced: () => kube.hasSynced(),
    healthy: () =>
      kube.healthy()
        ? { ok: true, detail: 'watching' }
        : { ok: false, detail: 'a watch cannot be re-established' },
    start: (onChange) =>
      new Promise((resolve) => {
        kube.onChange(() => {
          if (kube.hasSynced()) {
            onChange();
            resolve();
          }
        });
        kube.start();
        elector.start();
        log.info('cluster mode', {
          server: kc.getCurrentCluster()?.server,
          identity,
          leaseNamespace: namespace,
        });
      }),
    async stop() {
      clearTimeout(retry);
      await elector.release();
      await kube.stop();
      client.close();
    },
  };

  return {
    source,
    afterSync(snapshot, handled, diagnostics) {
      last = { snapshot, handled, diagnostics };
      leaderPass();
    },
    served(handled) {
      const current = new Set(handled.map((ref) => `${ref.namespace}/${ref.name}`));
      for (const k of announced) if (!current.has(k)) announced.delete(k);
      for (const ref of handled) {
        const k = `${ref.namespace}/${ref.name}`;
        if (announced.has(k)) continue;
        announced.add(k);
        if (!leading) continue;
        const uid = uidOf('Ingress', ref.namespace, ref.name);
        events.record({
          type: 'Normal',
          reason: 'Sync',
          note: 'Served by gatehouse',
          action: 'Serve',
          regarding: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...ref, uid } },
        });
      }
    },
    isLeader: () => leading,
    watchStats: () => kube.stats(),
    secretWatches: () => kube.secretWatches(),
  };
}
