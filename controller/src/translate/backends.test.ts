import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../../../dataplane/src/table/types.ts';
import type { IngressBackend, Snapshot } from '../snapshot.ts';
import { backend, ingress, ready, reasons, run, service, slice } from './testkit.ts';
import type { TranslateOptions } from './types.ts';

const ports = [
  { name: 'http', port: 80, targetPort: 'web' },
  { name: 'metrics', port: 9090, targetPort: 9091 },
];
const slices = [
  slice(
    'web-a',
    'web',
    [
      { name: 'http', port: 8080 },
      { name: 'metrics', port: 9091 },
    ],
    [ready('10.0.0.2'), ready('10.0.0.1')],
  ),
  slice(
    'web-b',
    'web',
    [
      { name: 'http', port: 8080 },
      { name: 'metrics', port: 9091 },
    ],
    [ready('10.0.0.3', true)],
  ),
];

/** Translates one Ingress whose only route goes to `ref`; returns that route's backend keys and the table. */
function route(ref: IngressBackend, objects: Partial<Snapshot>, options: Partial<TranslateOptions> = {}) {
  const paths = [{ path: '/', pathType: 'Prefix' as const, backend: ref }];
  const result = run(
    {
      ingresses: [ingress('app', { rules: [{ host: 'example.com', http: { paths } }] })],
      ...objects,
    },
    options,
  );
  const keys = result.table.hosts[0]?.routes[0]?.backends.map((b) => b.backend) ?? [];
  return {
    result,
    keys,
    endpoints: (key: string): Endpoint[] | undefined => result.table.backends[key]?.endpoints,
  };
}

describe('backends: Service, port, EndpointSlices', () => {
  it('a port referenced by number resolves to the EndpointSlice port of the same-named ServicePort', () => {
    const { keys, endpoints, result } = route(backend('web', 80), {
      services: [service('web', ports)],
      endpointSlices: slices,
    });
    assert.deepEqual(keys, ['default/web:80']);
    assert.deepEqual(endpoints('default/web:80'), [
      { address: '10.0.0.1', port: 8080 },
      { address: '10.0.0.2', port: 8080 },
      { address: '10.0.0.3', port: 8080 },
    ]);
    assert.deepEqual(result.table.backends['default/web:80'], {
      namespace: 'default',
      service: 'web',
      protocol: 'HTTP',
      endpoints: endpoints('default/web:80'),
      balancer: { type: 'RoundRobin' },
    });
  });

  it('a port referenced by name resolves to the target port of that name, keyed by the name as referenced', () => {
    const { keys, endpoints } = route(backend('web', 'metrics'), {
      services: [service('web', ports)],
      endpointSlices: slices,
    });
    assert.deepEqual(keys, ['default/web:metrics']);
    assert.deepEqual(
      endpoints('default/web:metrics')?.map((e) => e.port),
      [9091, 9091, 9091],
    );
  });

  it('an unnamed single ServicePort matches the unnamed slice port', () => {
    const { endpoints } = route(backend('web', 80), {
      services: [service('web', [{ port: 80, targetPort: 3000 }])],
      endpointSlices: [slice('s', 'web', [{ port: 3000 }], [ready('10.1.0.1')])],
    });
    assert.deepEqual(endpoints('default/web:80'), [{ address: '10.1.0.1', port: 3000 }]);
  });

  it("a slice without a port of the ServicePort's name is skipped", () => {
    const { endpoints } = route(backend('web', 80), {
      services: [service('web', ports)],
      endpointSlices: [
        slice('s', 'web', [{ name: 'metrics', port: 9091 }], [ready('10.1.0.1')]),
        ...slices.slice(1),
      ],
    });
    assert.deepEqual(endpoints('default/web:80'), [{ address: '10.0.0.3', port: 8080 }]);
  });

  it('only ready endpoints are used (ready absent counts as ready)', () => {
    const { endpoints } = route(backend('web', 80), {
      services: [service('web', ports)],
      endpointSlices: [
        slice(
          's',
          'web',
          [{ name: 'http', port: 8080 }],
          [
            ready('10.0.0.1'),
            { addresses: ['10.0.0.9'], conditions: { ready: false, serving: true, terminating: true } },
            ready('10.0.0.8', false),
          ],
        ),
      ],
    });
    assert.deepEqual(endpoints('default/web:80'), [{ address: '10.0.0.1', port: 8080 }]);
  });

  it('with no ready endpoint, serving-and-terminating ones are used and marked terminating', () => {
    const { endpoints } = route(backend('web', 80), {
      services: [service('web', ports)],
      endpointSlices: [
        slice(
          's',
          'web',
          [{ name: 'http', port: 8080 }],
          [
            { addresses: ['10.0.0.9'], conditions: { ready: false, serving: true, terminating: true } },
            { addresses: ['10.0.0.7'], conditions: { ready: false, serving: false, terminating: true } },
            ready('10.0.0.8', false),
          ],
        ),
      ],
    });
    assert.deepEqual(endpoints('default/web:80'), [{ address: '10.0.0.9', port: 8080, terminating: true }]);
  });

  it('endpoints are deduplicated by address:port across slices and sorted; FQDN slices and other namespaces are ignored', () => {
    const { endpoints } = route(backend('web', 80), {
      services: [service('web', ports)],
      endpointSlices: [
        slice('a', 'web', [{ name: 'http', port: 8080 }], [ready('10.0.0.2'), ready('10.0.0.1')]),
        slice('b', 'web', [{ name: 'http', port: 8080 }], [ready('10.0.0.1')]),
        slice('c', 'web', [{ name: 'http', port: 8080 }], [ready('backend.example.com')], {
          addressType: 'FQDN',
        }),
        slice('d', 'web', [{ name: 'http', port: 8080 }], [ready('10.9.9.9')], { namespace: 'elsewhere' }),
        slice('e', 'web', [{ name: 'http', port: 8080 }], [ready('fd00::1')], { addressType: 'IPv6' }),
      ],
    });
    assert.deepEqual(endpoints('default/web:80'), [
      { address: '10.0.0.1', port: 8080 },
      { address: '10.0.0.2', port: 8080 },
      { address: 'fd00::1', port: 8080 },
    ]);
  });

  it('a Service without endpoints is still a backend (it answers 503) and no diagnostic', () => {
    const { keys, endpoints, result } = route(backend('web', 80), { services: [service('web', ports)] });
    assert.deepEqual(keys, ['default/web:80']);
    assert.deepEqual(endpoints('default/web:80'), []);
    assert.deepEqual(result.diagnostics, []);
  });

  const externalNames = { enableExternalNameServices: true };
  const partner = service('ext', [{ name: 'https', port: 443, appProtocol: 'https' }], {
    type: 'ExternalName',
    externalName: 'api.partner.example',
  });

  it("ExternalName: one endpoint at spec.externalName and the ServicePort's port", () => {
    const { endpoints } = route(backend('ext', 'https'), { services: [partner] }, externalNames);
    assert.deepEqual(endpoints('default/ext:https'), [{ address: 'api.partner.example', port: 443 }]);
  });

  it('ExternalName without ports uses the port number given in the Ingress', () => {
    const { endpoints, result } = route(
      backend('ext', 8443),
      { services: [service('ext', [], { type: 'ExternalName', externalName: 'api.partner.example' })] },
      externalNames,
    );
    assert.deepEqual(endpoints('default/ext:8443'), [{ address: 'api.partner.example', port: 8443 }]);
    assert.deepEqual(result.diagnostics, []);
  });

  it('an ExternalName backend is marked external: the data plane checks where each connection goes', () => {
    const { result } = route(backend('ext', 'https'), { services: [partner] }, externalNames);
    assert.equal(result.table.backends['default/ext:https'].external, true);
    const pods = route(backend('web', 80), { services: [service('web', ports)], endpointSlices: slices });
    assert.equal(pods.result.table.backends['default/web:80'].external, undefined);
  });

  // Contour's default (enableExternalNameService: false): a tenant's ExternalName `localhost` or
  // 169.254.169.254 would otherwise point the proxy at its own admin port or the metadata service.
  for (const externalName of ['api.partner.example', 'localhost', '127.0.0.1', '169.254.169.254']) {
    it(`ExternalName Services are off by default: ${externalName} is left out, its path answers 503`, () => {
      const { result, keys } = route(backend('ext', 80), {
        services: [service('ext', [], { type: 'ExternalName', externalName })],
      });
      assert.equal(result.table.hosts[0].routes.length, 1, 'the route is kept, with no backend (503)');
      assert.deepEqual(keys, []);
      assert.deepEqual(result.table.backends, {});
      assert.deepEqual(reasons(result), [
        'Ingress default/app spec.rules[0].http.paths[0].backend.service.name ExternalNameDisabled',
      ]);
      assert.match(result.diagnostics[0].message, /--enable-external-name-services/);
    });
  }

  it('--default-backend-service naming an ExternalName Service is refused the same way while off', () => {
    const ext = service('ext', [{ name: 'http', port: 80 }], {
      type: 'ExternalName',
      externalName: 'a.example',
    });
    const off = run({ services: [ext] }, { defaultBackendService: 'default/ext' });
    assert.deepEqual(off.table.defaultRoute?.backends, []);
    assert.deepEqual(reasons(off), ['Flag /--default-backend-service - ExternalNameDisabled']);
    const on = run({ services: [ext] }, { defaultBackendService: 'default/ext', ...externalNames });
    assert.deepEqual(on.table.defaultRoute?.backends, [{ backend: 'default/ext:80', weight: 1 }]);
    assert.deepEqual(reasons(on), []);
  });

  const protocols: Array<[string | undefined, string]> = [
    [undefined, 'HTTP'],
    ['http', 'HTTP'],
    ['https', 'HTTPS'],
    ['kubernetes.io/h2c', 'H2C'],
    ['kubernetes.io/ws', 'HTTP'],
  ];
  for (const [appProtocol, protocol] of protocols) {
    it(`appProtocol ${appProtocol ?? '(unset)'} means upstream protocol ${protocol}`, () => {
      const p = { name: 'http', port: 80, ...(appProtocol ? { appProtocol } : {}) };
      const { result } = route(backend('web', 80), { services: [service('web', [p])] });
      assert.equal(result.table.backends['default/web:80'].protocol, protocol);
    });
  }

  const broken: Array<[string, IngressBackend, Partial<Snapshot>, string, Partial<TranslateOptions>?]> = [
    [
      'a missing Service keeps the route with no backends (503) and reports ServiceNotFound',
      backend('nope', 80),
      {},
      'spec.rules[0].http.paths[0].backend.service.name ServiceNotFound',
    ],
    [
      'a Service in another namespace is not used',
      backend('web', 80),
      { services: [service('web', ports, { namespace: 'other' })] },
      'spec.rules[0].http.paths[0].backend.service.name ServiceNotFound',
    ],
    [
      'a port number the Service lacks keeps the route with no backends and reports PortNotFound',
      backend('web', 81),
      { services: [service('web', ports)] },
      'spec.rules[0].http.paths[0].backend.service.port PortNotFound',
    ],
    [
      'a port name the Service lacks reports PortNotFound',
      backend('web', 'grpc'),
      { services: [service('web', ports)] },
      'spec.rules[0].http.paths[0].backend.service.port PortNotFound',
    ],
    [
      'ExternalName without ports cannot resolve a port name',
      backend('ext', 'http'),
      { services: [service('ext', [], { type: 'ExternalName', externalName: 'a.example' })] },
      'spec.rules[0].http.paths[0].backend.service.port PortNotFound',
      { enableExternalNameServices: true },
    ],
    [
      'a resource backend is not supported; the route stays with no backends',
      { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'static' } },
      {},
      'spec.rules[0].http.paths[0].backend.resource UnsupportedBackend',
    ],
    [
      'a backend without a port is invalid',
      { service: { name: 'web' } },
      { services: [service('web', ports)] },
      'spec.rules[0].http.paths[0].backend.service.port InvalidBackend',
    ],
  ];
  for (const [name, ref, objects, reason, options] of broken) {
    it(name, () => {
      const { result, keys } = route(ref, objects, options);
      assert.equal(result.table.hosts[0].routes.length, 1, 'the route is kept');
      assert.deepEqual(keys, []);
      assert.deepEqual(result.table.backends, {});
      assert.deepEqual(reasons(result), [`Ingress default/app ${reason}`]);
    });
  }

  it('routes naming the same Service port share one backend entry', () => {
    const result = run({
      ingresses: [
        ingress('a', {
          rules: [
            {
              host: 'a.example.com',
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] },
            },
          ],
        }),
        ingress('b', {
          rules: [
            {
              host: 'b.example.com',
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] },
            },
          ],
        }),
      ],
      services: [service('web', ports)],
    });
    assert.deepEqual(Object.keys(result.table.backends), ['default/web:80']);
  });
});
