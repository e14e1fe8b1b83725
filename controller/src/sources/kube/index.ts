// Entry points for the wiring: a KubeConfig per the --kubeconfig rules, and a KubeSource on it.
import { KubeConfig } from '@kubernetes/client-node';
import { httpTransport } from './http-transport.ts';
import type { KubeHttp } from './kube-http.ts';
import { KubeSource, type KubeSourceOptions } from './source.ts';

export { type Clock, systemClock } from './clock.ts';
export { KubeHttp } from './kube-http.ts';
export type { KindStats, WatchNotice, WatchTiming } from './reflector.ts';
export { KubeSource, type KubeSourceOptions, type SecretReferences } from './source.ts';
export { ApiError, type WatchTransport } from './transport.ts';

/**
 * `--kubeconfig PATH`, else in-cluster, else `$KUBECONFIG`, else `~/.kube/config`
 * (README.md § Cluster mode).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** A KubeSource watching the API server of `client` (not started). */
export function kubeSource(client: KubeHttp, options: Omit<KubeSourceOptions, 'transport'>): KubeSource {
  return new KubeSource({ ...options, transport: httpTransport(client) });
}
