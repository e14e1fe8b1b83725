// Rendering the chart with a real Helm and reading the result as plain objects.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { chartTools } from './tools.ts';

export const repoDir = fileURLToPath(new URL('../..', import.meta.url));
export const chartDir = join(repoDir, 'charts', 'gatehouse');
export const valuesDir = fileURLToPath(new URL('./values', import.meta.url));
/** The Kubernetes version the chart is rendered for: the e2e apiserver's, and the schemas'. */
export const kubeVersion = '1.35.0';

/** A rendered Kubernetes object; only what the tests read is typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read as untyped trees.
  [field: string]: any;
}

/** The value sets every tool runs over: the defaults plus each file of test/chart/values/. */
export const valueSets: Array<{ name: string; files: string[] }> = [
  { name: 'default', files: [] },
  ...readdirSync(valuesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.yaml$/, ''), files: [join(valuesDir, f)] })),
];

export interface HelmRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(
  args: string[],
  options: { helm?: 'helm4' | 'helm3'; kubeconfig?: string } = {},
): HelmRun {
  const tools = chartTools();
  // Helm's own state stays out of the user's home: the tests never touch their repositories or plugins.
  const home = join(repoDir, '.tmp', 'helm');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  if (options.kubeconfig !== undefined) env.KUBECONFIG = options.kubeconfig;
  const run = spawnSync(tools[options.helm ?? 'helm4'], args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

export interface RenderOptions {
  files?: string[];
  set?: Record<string, string>;
  release?: string;
  namespace?: string;
  helm?: 'helm4' | 'helm3';
  chart?: string;
}

function renderArgs(o: RenderOptions): string[] {
  // Helm 3 built by `go install` assumes Kubernetes v1.20 without a cluster (its default comes from
  // release ldflags), below the chart's kubeVersion: render for the version the e2e apiserver runs.
  const args = [
    'template',
    o.release ?? 'edge',
    o.chart ?? chartDir,
    '--namespace',
    o.namespace ?? 'ingress',
  ];
  args.push('--kube-version', kubeVersion);
  for (const f of o.files ?? []) args.push('--values', f);
  for (const [k, v] of Object.entries(o.set ?? {})) args.push('--set', `${k}=${v}`);
  return args;
}

/** helm template; the run itself, for tests about failures. */
export function renderRun(o: RenderOptions = {}): HelmRun {
  return helm(renderArgs(o), { helm: o.helm });
}

/** helm template, parsed; throws with Helm's message when rendering fails. */
export function render(o: RenderOptions = {}): { text: string; objects: K8sObject[] } {
  const run = renderRun(o);
  if (run.status !== 0) throw new Error(`helm template failed:\n${run.stderr}`);
  const objects = parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { text: run.stdout, objects };
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function soleObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, rendered ${found.length}`);
  }
  return found[0];
}

/** The controller's workload (Deployment or DaemonSet). */
export function workload(objects: K8sObject[]): K8sObject {
  const found = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
  if (found.length !== 1) throw new Error(`expected one workload, rendered ${found.length}`);
  return found[0];
}

export function controllerContainer(objects: K8sObject[]): K8sObject {
  const containers = workload(objects).spec.template.spec.containers as K8sObject[];
  const c = containers.find((x) => x.name === 'controller');
  if (!c) throw new Error('no controller container');
  return c;
}

/** The controller's args as a flag → value map (`--flag` alone maps to true). */
export function argsOf(objects: K8sObject[]): Map<string, string | true> {
  const args = new Map<string, string | true>();
  for (const arg of controllerContainer(objects).args as string[]) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new Error(`argument ${JSON.stringify(arg)} is not --flag or --flag=value`);
    args.set(m[1], m[2] ?? true);
  }
  return args;
}
