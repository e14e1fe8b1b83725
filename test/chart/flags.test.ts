// Every flag of the command line (controller/src/cli/flags.ts, README.md § Command line) is
// reachable from values, and the rendered args are accepted by the controller's own flag parser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFlags, usage } from '../../controller/src/cli/flags.ts';
import { argsOf, controllerContainer, render, valueSets } from './chart.ts';

interface Case {
  flag: string;
  set: Record<string, string>;
  /** The value expected in --flag=value; undefined: the flag must be absent. */
  expected: string | true | undefined;
}

/** How each flag is reached; flags that only make sense out of cluster go through extraArgs. */
const cases: Case[] = [
  {
    flag: 'kubeconfig',
    set: { 'controller.extraArgs.kubeconfig': '/etc/gatehouse/kubeconfig' },
    expected: '/etc/gatehouse/kubeconfig',
  },
  {
    flag: 'manifests',
    set: { 'controller.extraArgs.manifests': '/etc/gatehouse/manifests' },
    expected: '/etc/gatehouse/manifests',
  },
  ...(
    [
      ['manifests-max-file-size', '8Mi'],
      ['manifests-max-total-size', '32Mi'],
      ['manifests-max-files', '500'],
      ['manifests-max-documents', '5000'],
      // As in the ingress-nginx chart, through extraArgs.
      ['annotations-prefix', 'ingress.example.com'],
      // The shared store of global-rate-limit (a Redis the chart does not install).
      ['rate-limit-store', 'redis://redis.gatehouse:6379'],
    ] as const
  ).map(([flag, value]) => ({ flag, set: { [`controller.extraArgs.${flag}`]: value }, expected: value })),
  { flag: 'ingress-class', set: { 'controller.ingressClassResource.name': 'edge' }, expected: 'edge' },
  {
    flag: 'controller-name',
    set: { 'controller.ingressClassResource.controllerValue': 'example.com/edge' },
    expected: 'example.com/edge',
  },
  {
    flag: 'watch-namespace',
    set: { 'controller.scope.enabled': 'true', 'controller.scope.namespace': 'apps' },
    expected: 'apps',
  },
  { flag: 'watch-namespace', set: { 'controller.scope.enabled': 'true' }, expected: 'ingress' },
  { flag: 'watch-namespace', set: {}, expected: undefined },
  { flag: 'http-port', set: { 'controller.containerPort.http': '9080' }, expected: '9080' },
  { flag: 'https-port', set: { 'controller.containerPort.https': '9443' }, expected: '9443' },
  { flag: 'https-redirect-port', set: {}, expected: '443' },
  { flag: 'https-redirect-port', set: { 'controller.service.ports.https': '8443' }, expected: '8443' },
  {
    flag: 'https-redirect-port',
    set: { 'controller.hostPort.enabled': 'true', 'controller.hostPort.ports.https': '4443' },
    expected: '4443',
  },
  { flag: 'https-redirect-port', set: { 'controller.httpsRedirectPort': '10443' }, expected: '10443' },
  { flag: 'https-redirect-port', set: { 'controller.hostNetwork': 'true' }, expected: undefined },
  { flag: 'admin-port', set: { 'controller.metrics.port': '9254' }, expected: '9254' },
  { flag: 'bind-address', set: { 'controller.bindAddress': '127.0.0.1' }, expected: '127.0.0.1' },
  { flag: 'admin-bind-address', set: { 'controller.adminBindAddress': '10.1.2.3' }, expected: '10.1.2.3' },
  { flag: 'admin-bind-address', set: {}, expected: undefined },
  { flag: 'workers', set: { 'controller.workers': '3' }, expected: '3' },
  { flag: 'publish-service', set: {}, expected: 'ingress/edge-gatehouse' },
  {
    flag: 'publish-service',
    set: { 'controller.publishService.pathOverride': 'kube-system/edge-lb' },
    expected: 'kube-system/edge-lb',
  },
  { flag: 'publish-service', set: { 'controller.publishService.enabled': 'false' }, expected: undefined },
  { flag: 'publish-address', set: { 'controller.publishAddress': '198.51.100.7' }, expected: '198.51.100.7' },
  {
    flag: 'default-ssl-certificate',
    set: { 'controller.defaultSSLCertificate': 'ingress/wildcard' },
    expected: 'ingress/wildcard',
  },
  {
    flag: 'default-backend-service',
    set: { 'controller.defaultBackendService': 'ingress/fallback' },
    expected: 'ingress/fallback',
  },
  {
    flag: 'max-secret-watches',
    set: { 'controller.extraArgs.max-secret-watches': '5000' },
    expected: '5000',
  },
  {
    flag: 'trusted-proxies',
    set: { 'controller.trustedProxies': '{10.0.0.0/8,192.168.0.0/16}' },
    expected: '10.0.0.0/8,192.168.0.0/16',
  },
  {
    flag: 'proxy-protocol',
    set: { 'controller.proxyProtocol': 'true', 'controller.trustedProxies': '{10.0.0.0/8}' },
    expected: true,
  },
  { flag: 'proxy-protocol', set: {}, expected: undefined },
  {
    flag: 'enable-external-name-services',
    set: { 'controller.enableExternalNameServices': 'true' },
    expected: true,
  },
  { flag: 'enable-external-name-services', set: {}, expected: undefined },
  { flag: 'enable-ssl-passthrough', set: { 'controller.enableSslPassthrough': 'true' }, expected: true },
  { flag: 'enable-ssl-passthrough', set: {}, expected: undefined },
  {
    flag: 'allow-snippet-annotations',
    set: { 'controller.allowSnippetAnnotations': 'true' },
    expected: true,
  },
  { flag: 'allow-snippet-annotations', set: {}, expected: undefined },
  { flag: 'log-level', set: { 'controller.logLevel': 'debug' }, expected: 'debug' },
  { flag: 'log-format', set: { 'controller.logFormat': 'text' }, expected: 'text' },
  { flag: 'access-log', set: { 'controller.accessLog.enabled': 'true' }, expected: true },
  { flag: 'access-log', set: {}, expected: undefined },
  {
    flag: 'access-log-sample',
    set: { 'controller.accessLog.enabled': 'true', 'controller.accessLog.sampleRate': '0.25' },
    expected: '0.25',
  },
  {
    flag: 'global-allowed-response-headers',
    set: { 'controller.globalAllowedResponseHeaders': '{X-Frame-Options,X-Content-Type-Options}' },
    expected: 'X-Frame-Options,X-Content-Type-Options',
  },
  { flag: 'global-allowed-response-headers', set: {}, expected: undefined },
  { flag: 'client-header-timeout', set: { 'controller.clientHeaderTimeout': '30s' }, expected: '30s' },
  { flag: 'keepalive-timeout', set: { 'controller.keepAliveTimeout': '120s' }, expected: '120s' },
  { flag: 'keepalive-timeout', set: {}, expected: undefined },
  { flag: 'client-body-timeout', set: { 'controller.clientBodyTimeout': '90s' }, expected: '90s' },
  { flag: 'client-body-timeout', set: {}, expected: undefined },
  { flag: 'client-body-min-rate', set: { 'controller.clientBodyMinRate': '2048' }, expected: '2048' },
  // 0 turns the rate off: it must render, not fall back to the controller's default.
  { flag: 'client-body-min-rate', set: { 'controller.clientBodyMinRate': '0' }, expected: '0' },
  { flag: 'client-body-min-rate', set: {}, expected: undefined },
  {
    flag: 'client-body-min-rate-grace',
    set: { 'controller.clientBodyMinRateGrace': '30s' },
    expected: '30s',
  },
  {
    flag: 'log-level',
    set: { 'controller.logLevel': 'debug', 'controller.extraArgs.log-level': 'warn' },
    expected: 'warn',
  },
];

/** The flags the controller documents in its usage text. */
function documentedFlags(): string[] {
  const flags = new Set([...usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
  flags.delete('help');
  return [...flags].sort();
}

describe('command line from values', () => {
  test('every documented flag has a way in from values', () => {
    assert.deepEqual(documentedFlags(), [...new Set(cases.map((c) => c.flag))].sort());
  });

  for (const c of cases) {
    const how = Object.entries(c.set)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const rendered =
      c.expected === undefined
        ? `no --${c.flag}`
        : c.expected === true
          ? `--${c.flag}`
          : `--${c.flag}=${c.expected}`;
    test(`${how || 'defaults'} renders ${rendered}`, () => {
      const { objects } = render({ release: 'edge', set: c.set });
      assert.equal(argsOf(objects).get(c.flag), c.expected);
    });
  }

  test('extraArgs true renders a bare --flag and false leaves the flag out', () => {
    const { objects } = render({
      set: { 'controller.extraArgs.some-switch': 'true', 'controller.extraArgs.log-format': 'false' },
    });
    const args = argsOf(objects);
    assert.equal(args.get('some-switch'), true);
    assert.equal(args.has('log-format'), false);
  });

  for (const set of valueSets) {
    test(`values "${set.name}": the controller's flag parser accepts the rendered args and env`, () => {
      const { objects } = render({ files: set.files });
      const container = controllerContainer(objects);
      const env: Record<string, string> = {};
      for (const e of container.env as Array<{ name: string; value?: string; valueFrom?: unknown }>) {
        // The downward API fills these in; any plausible value will do for the parser.
        env[e.name] = e.value ?? (e.name === 'GATEHOUSE_WORKERS' ? '2' : 'x');
      }
      const flags = parseFlags(container.args, env);
      const args = argsOf(objects);
      assert.equal(flags.ingressClass, args.get('ingress-class'));
      assert.equal(flags.adminPort, Number(args.get('admin-port')));
    });
  }

  test('workers follow the CPU limit, else the CPU request, unless set explicitly', () => {
    const workersEnv = (set: Record<string, string>) => {
      const env = controllerContainer(render({ set }).objects).env as Array<{
        name: string;
        valueFrom?: { resourceFieldRef?: { resource: string; divisor: string } };
      }>;
      return env.find((e) => e.name === 'GATEHOUSE_WORKERS')?.valueFrom?.resourceFieldRef;
    };
    assert.deepEqual(workersEnv({}), { containerName: 'controller', resource: 'requests.cpu', divisor: '1' });
    assert.deepEqual(workersEnv({ 'controller.resources.limits.cpu': '3' }), {
      containerName: 'controller',
      resource: 'limits.cpu',
      divisor: '1',
    });
    assert.equal(workersEnv({ 'controller.workers': '2' }), undefined);
    assert.equal(workersEnv({ 'controller.resources.requests.cpu': 'null' }), undefined);
  });
});
