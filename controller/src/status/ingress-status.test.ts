import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ingress, Service } from '../snapshot.ts';
import { type LoadBalancerIngress, publishedAddresses, statusUpdates } from './ingress-status.ts';

function service(spec: Service['spec'], lb?: Array<{ ip?: string; hostname?: string }>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'gatehouse', name: 'gatehouse' },
    spec,
    ...(lb ? { status: { loadBalancer: { ingress: lb } } } : {}),
  };
}

function ingress(name: string, current?: LoadBalancerIngress[]): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: 'default', name, resourceVersion: `rv-${name}` },
    ...(current ? { status: { loadBalancer: { ingress: current } } } : {}),
  };
}

test('published addresses follow --publish-address, else the publish Service (LB ingress, else ClusterIP)', () => {
  const cases: Array<{
    rule: string;
    publishService?: string;
    publishAddress?: string;
    services: Service[];
    want?: LoadBalancerIngress[];
  }> = [
    {
      rule: '--publish-address lists IPs and host names, sorted, duplicates dropped',
      publishAddress: ' lb.example.com, 203.0.113.9 ,2001:db8::1,203.0.113.9',
      services: [],
      want: [{ ip: '2001:db8::1' }, { ip: '203.0.113.9' }, { hostname: 'lb.example.com' }],
    },
    {
      rule: '--publish-address wins over --publish-service',
      publishAddress: '198.51.100.1',
      publishService: 'gatehouse/gatehouse',
      services: [service({ clusterIP: '10.0.0.1' })],
      want: [{ ip: '198.51.100.1' }],
    },
    {
      rule: 'a LoadBalancer Service publishes its load-balancer ingress',
      publishService: 'gatehouse/gatehouse',
      services: [
        service({ type: 'LoadBalancer', clusterIP: '10.0.0.1' }, [
          { hostname: 'elb.aws.example' },
          { ip: '192.0.2.4' },
        ]),
      ],
      want: [{ ip: '192.0.2.4' }, { hostname: 'elb.aws.example' }],
    },
    {
      rule: 'a Service without load-balancer ingress publishes its ClusterIP',
      publishService: 'gatehouse/gatehouse',
      services: [service({ type: 'LoadBalancer', clusterIP: '10.0.0.1' }, [])],
      want: [{ ip: '10.0.0.1' }],
    },
    {
      rule: 'a headless Service publishes nothing',
      publishService: 'gatehouse/gatehouse',
      services: [service({ clusterIP: 'None' })],
      want: [],
    },
    {
      rule: 'an ExternalName Service publishes its external name',
      publishService: 'gatehouse/gatehouse',
      services: [service({ type: 'ExternalName', externalName: 'edge.example.net' })],
      want: [{ hostname: 'edge.example.net' }],
    },
    {
      rule: 'neither flag: statuses are left alone',
      services: [service({ clusterIP: '10.0.0.1' })],
      want: undefined,
    },
  ];
  for (const c of cases) {
    const got = publishedAddresses(
      { publishService: c.publishService, publishAddress: c.publishAddress },
      c.services,
    );
    assert.deepEqual(got.addresses, c.want, c.rule);
    assert.deepEqual(got.diagnostics, [], c.rule);
  }
});

test('a missing or malformed publish Service is a diagnostic and leaves statuses unchanged', () => {
  const missing = publishedAddresses({ publishService: 'gatehouse/absent' }, [
    service({ clusterIP: '10.0.0.1' }),
  ]);
  assert.equal(missing.addresses, undefined);
  assert.deepEqual(
    missing.diagnostics.map((d) => [d.reason, d.object]),
    [['PublishServiceNotFound', { kind: 'Service', namespace: 'gatehouse', name: 'absent' }]],
  );
  const malformed = publishedAddresses({ publishService: 'no-namespace' }, []);
  assert.equal(malformed.addresses, undefined);
  assert.equal(malformed.diagnostics[0].reason, 'InvalidPublishService');
});

test('only Ingresses whose status differs (ignoring order) get an update carrying their resourceVersion', () => {
  const want = [{ ip: '192.0.2.4' }, { hostname: 'lb.example.com' }];
  const handled = [
    ingress('current', [{ hostname: 'lb.example.com' }, { ip: '192.0.2.4' }]),
    ingress('stale', [{ ip: '192.0.2.99' }]),
    ingress('empty'),
    ingress('partial', [{ ip: '192.0.2.4' }]),
  ];
  const updates = statusUpdates(handled, want);
  assert.deepEqual(
    updates.map((u) => [u.name, u.resourceVersion]),
    [
      ['empty', 'rv-empty'],
      ['partial', 'rv-partial'],
      ['stale', 'rv-stale'],
    ],
  );
  assert.deepEqual(updates[0].ingress, want);
});

test('publishing nothing clears a status that is set, and leaves an empty one alone', () => {
  const updates = statusUpdates([ingress('set', [{ ip: '192.0.2.4' }]), ingress('unset')], []);
  assert.deepEqual(
    updates.map((u) => [u.name, u.ingress]),
    [['set', []]],
  );
});
