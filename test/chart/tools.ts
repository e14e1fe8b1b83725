// The tools that judge the chart, installed (or found in the cache) by scripts/install-chart-tools.sh,
// the one place that knows their versions. A cached run costs milliseconds.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChartTools {
  helm4: string;
  helm3: string;
  kubectl: string;
  kubeconform: string;
  kubeScore: string;
  /** Folder of <kind>-<group>-<version>.json schemas that resolve offline. */
  schemas: string;
  /** Folder holding the ServiceMonitor and PodMonitor CustomResourceDefinitions. */
  monitoringCrds: string;
}

const script = fileURLToPath(new URL('../../scripts/install-chart-tools.sh', import.meta.url));
let cached: ChartTools | undefined;

export function chartTools(): ChartTools {
  if (cached) return cached;
  const out = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const paths = new Map(
    out
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const get = (name: string): string => {
    const path = paths.get(name);
    if (path === undefined) throw new Error(`install-chart-tools.sh printed no ${name}= line`);
    return path;
  };
  cached = {
    helm4: get('helm4'),
    helm3: get('helm3'),
    kubectl: get('kubectl'),
    kubeconform: get('kubeconform'),
    kubeScore: get('kube-score'),
    schemas: get('schemas'),
    monitoringCrds: get('monitoring-crds'),
  };
  return cached;
}
