// Bad values fail at install time with a message that names the value, under Helm 4 and Helm 3:
// type and shape errors come from values.schema.json, rules across values from templates/_validate.tpl.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderRun } from './chart.ts';

const cases: Array<{ why: string; set: Record<string, string>; message: RegExp }> = [
  {
    why: 'an unknown kind',
    set: { 'controller.kind': 'StatefulSet' },
    message: /controller\/kind.*Deployment.*DaemonSet/,
  },
  {
    why: 'a misspelt value',
    set: { 'controller.replicas': '3' },
    message: /\/controller.*'replicas' not allowed/,
  },
  {
    why: 'an unknown Service type',
    set: { 'controller.service.type': 'External' },
    message: /controller\/service\/type/,
  },
  {
    why: 'a port out of range',
    set: { 'controller.containerPort.http': '70000' },
    message: /controller\/containerPort\/http/,
  },
  { why: 'an unknown log level', set: { 'controller.logLevel': 'verbose' }, message: /controller\/logLevel/ },
  {
    why: 'a certificate without namespace',
    set: { 'controller.defaultSSLCertificate': 'wildcard' },
    message: /controller\/defaultSSLCertificate/,
  },
  {
    why: 'a trusted proxy that is no CIDR',
    set: { 'controller.trustedProxies': '{proxy.example}' },
    message: /controller\/trustedProxies\/0/,
  },
  {
    why: 'an admin bind address that is no IP',
    set: { 'controller.adminBindAddress': 'localhost' },
    message: /controller\/adminBindAddress/,
  },
  {
    why: 'a bind address that is no IP',
    set: { 'controller.bindAddress': 'eth0' },
    message: /controller\/bindAddress/,
  },
  {
    why: 'no peer for the admin port (an empty from would admit every peer)',
    set: { 'controller.networkPolicy.metricsFrom': '{}' },
    message: /controller\/networkPolicy\/metricsFrom/,
  },
  {
    why: 'the admin port peers removed',
    set: { 'controller.networkPolicy.metricsFrom': 'null' },
    message: /metricsFrom/,
  },
  {
    why: 'a metrics peer that is no NetworkPolicyPeer',
    set: { 'controller.networkPolicy.metricsFrom[0].namespace': 'monitoring' },
    message: /controller\/networkPolicy\/metricsFrom\/0/,
  },
  { why: 'zero workers', set: { 'controller.workers': '0' }, message: /controller\/workers/ },
  {
    why: 'an invalid class name',
    set: { 'controller.ingressClassResource.name': 'Edge_Class' },
    message: /ingressClassResource\/name/,
  },
  {
    why: 'an extra arg that is no flag name',
    set: { 'controller.extraArgs.Bad_Flag': 'x' },
    message: /'Bad_Flag' does not match pattern/,
  },
  {
    why: 'a digest that is not sha256',
    set: { 'controller.image.digest': 'latest' },
    message: /controller\/image\/digest/,
  },
  {
    why: 'autoscaling a DaemonSet',
    set: { 'controller.kind': 'DaemonSet', 'controller.autoscaling.enabled': 'true' },
    message: /controller\.autoscaling\.enabled needs controller\.kind=Deployment/,
  },
  {
    why: 'minReplicas above maxReplicas',
    set: {
      'controller.autoscaling.enabled': 'true',
      'controller.autoscaling.minReplicas': '5',
      'controller.autoscaling.maxReplicas': '3',
    },
    message: /minReplicas \(5\) is above controller\.autoscaling\.maxReplicas \(3\)/,
  },
  {
    why: 'both minAvailable and maxUnavailable',
    set: { 'controller.maxUnavailable': '1' },
    message: /minAvailable and controller\.maxUnavailable exclude each other/,
  },
  {
    why: 'a ServiceMonitor without the metrics Service',
    set: { 'controller.metrics.serviceMonitor.enabled': 'true' },
    message: /serviceMonitor\.enabled needs controller\.metrics\.enabled=true/,
  },
  {
    why: 'the admin port on a listener port',
    set: { 'controller.metrics.port': '8080' },
    message: /controller\.containerPort\.http \(8080\).*must differ/,
  },
  {
    why: 'PROXY protocol with no trusted proxy to send it',
    set: { 'controller.proxyProtocol': 'true' },
    message: /controller\.proxyProtocol needs controller\.trustedProxies/,
  },
  {
    why: 'externalTrafficPolicy on a ClusterIP Service',
    set: { 'controller.service.type': 'ClusterIP', 'controller.service.externalTrafficPolicy': 'Local' },
    message: /externalTrafficPolicy applies to type LoadBalancer or NodePort/,
  },
];

describe('values that fail at install', () => {
  for (const helm of ['helm4', 'helm3'] as const) {
    for (const c of cases) {
      test(`${helm}: ${c.why} is refused with a message naming the value`, () => {
        const run = renderRun({ set: c.set, helm });
        assert.notEqual(run.status, 0, 'helm template must fail');
        assert.match(run.stderr, c.message);
      });
    }
  }

  test('the same values with the mistake fixed render (each case fails for its own reason)', () => {
    const run = renderRun({
      set: {
        'controller.kind': 'DaemonSet',
        'controller.maxUnavailable': '1',
        'controller.minAvailable': '',
      },
    });
    assert.equal(run.status, 0, run.stderr);
  });
});
