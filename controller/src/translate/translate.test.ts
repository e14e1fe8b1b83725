import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { validateRouteTable } from '../../../dataplane/src/table/validate.ts';
import type { Snapshot } from '../snapshot.ts';
import { translate } from './index.ts';
import { OPTIONS, reasons, routesOf, run, snapshot, tlsSecret } from './testkit.ts';

/** testdata/shop.yaml plus its TLS Secret (kept out of the YAML so the PEM lives in one place). */
function shop(): Snapshot {
  const text = readFileSync(new URL('./testdata/shop.yaml', import.meta.url), 'utf8');
  const out = snapshot({ secrets: [tlsSecret('shop-tls', { namespace: 'shop' })] });
  for (const doc of parseAllDocuments(text)) {
    const object = doc.toJS();
    if (object.kind === 'Ingress') out.ingresses.push(object);
    else if (object.kind === 'IngressClass') out.ingressClasses.push(object);
    else if (object.kind === 'Service') out.services.push(object);
    else if (object.kind === 'EndpointSlice') out.endpointSlices.push(object);
  }
  return out;
}

// Seeded, so a failing permutation can be reproduced; randomness lives in the test only.
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('translate: the shop fixture end to end', () => {
  // pay/gateway is an ExternalName Service: served only with --enable-external-name-services.
  const result = run(shop(), { enableExternalNameServices: true });

  it('handles Ingresses of our class (by name and by default class), not the nginx one', () => {
    assert.deepEqual(result.handled, [
      { namespace: 'pay', name: 'payments' },
      { namespace: 'shop', name: 'storefront' },
    ]);
  });

  it("merges both teams' rules on shop.example.com; the older storefront keeps /cart", () => {
    assert.deepEqual(
      result.table.hosts.map((h) => h.host),
      ['*', '*.example.com', 'shop.example.com'],
    );
    assert.deepEqual(routesOf(result, 'shop.example.com'), [
      'Exact /healthz -> shop/frontend:80',
      'Prefix /cart -> shop/cart:8080',
      'Prefix /pay -> pay/gateway:443',
      'Prefix / -> shop/frontend:http',
    ]);
    assert.deepEqual(routesOf(result, '*'), ['Exact /status -> ']);
    assert.deepEqual(reasons(result), [
      'Ingress pay/payments spec.rules[0].http.paths[1] RouteConflict',
      'Ingress pay/payments spec.rules[1].http.paths[0].backend.service.name ServiceNotFound',
    ]);
  });

  it('resolves named target ports, ready endpoints, terminating fallback, ExternalName and appProtocol', () => {
    const { backends } = result.table;
    assert.deepEqual(Object.keys(backends), [
      'pay/gateway:443',
      'shop/cart:8080',
      'shop/frontend:80',
      'shop/frontend:http',
    ]);
    assert.deepEqual(backends['shop/frontend:http'].endpoints, [
      { address: '10.1.0.10', port: 3000 },
      { address: '10.1.0.11', port: 3000, zone: 'zone-a' },
      { address: '10.1.0.12', port: 3000, zone: 'zone-b' },
    ]);
    assert.deepEqual(backends['shop/cart:8080'].endpoints, [
      { address: '10.1.1.5', port: 8080, terminating: true },
    ]);
    assert.equal(backends['shop/cart:8080'].protocol, 'H2C');
    assert.deepEqual(backends['pay/gateway:443'].endpoints, [
      { address: 'payments.partner.example', port: 443 },
    ]);
    assert.equal(backends['pay/gateway:443'].protocol, 'HTTPS');
  });

  it("applies storefront's defaultBackend and TLS to its own hosts only", () => {
    const byHost = new Map(result.table.hosts.map((h) => [h.host, h]));
    for (const host of ['*.example.com', 'shop.example.com']) {
      assert.equal(byHost.get(host)?.fallback?.id, 'ingress/shop/storefront/defaultBackend');
      assert.deepEqual(byHost.get(host)?.tls, { certificate: 'secret/shop/shop-tls', redirect: true });
    }
    assert.equal(byHost.get('*')?.fallback, undefined);
    assert.equal(byHost.get('*')?.tls, undefined);
    assert.equal(result.table.defaultRoute?.id, 'ingress/shop/storefront/defaultBackend');
  });
});

describe('translate: determinism', () => {
  it('the same objects in any order give a deep-equal table with identical JSON, and identical diagnostics', () => {
    const base = shop();
    const expected = translate(base, OPTIONS);
    const expectedJson = JSON.stringify(expected);
    const random = prng(7);
    for (let round = 0; round < 25; round++) {
      const input: Snapshot = {
        ingresses: shuffled(base.ingresses, random),
        ingressClasses: shuffled(base.ingressClasses, random),
        services: shuffled(base.services, random),
        endpointSlices: shuffled(base.endpointSlices, random).map((s) => ({
          ...s,
          endpoints: shuffled(s.endpoints ?? [], random),
        })),
        secrets: shuffled(base.secrets, random),
      };
      const got = translate(input, OPTIONS);
      assert.deepEqual(got, expected, `round ${round}`);
      assert.equal(JSON.stringify(got), expectedJson, `round ${round}: JSON differs`);
    }
  });

  it('an object listed twice with different content resolves the same way whichever comes first', () => {
    const base = shop();
    const twin = structuredClone(base.services[0]);
    twin.spec = { ports: [{ name: 'http', port: 80, appProtocol: 'https' }] };
    const a = translate({ ...base, services: [...base.services, twin] }, OPTIONS);
    const b = translate({ ...base, services: [twin, ...base.services] }, OPTIONS);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  });

  it('translation does not modify its input', () => {
    const base = shop();
    const before = JSON.stringify(base);
    translate(base, {
      ...OPTIONS,
      now: new Date('2030-01-01T00:00:00Z'),
      defaultBackendService: 'shop/frontend',
    });
    assert.equal(JSON.stringify(base), before);
  });
});

describe('translate: malformed input never throws and still yields a valid table', () => {
  const good = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'ok', namespace: 'x' },
  };
  const cases: Array<[string, unknown]> = [
    [
      'a snapshot of nulls',
      { ingresses: null, ingressClasses: null, services: null, endpointSlices: null, secrets: null },
    ],
    ['an Ingress without spec', { ingresses: [good] }],
    ['an Ingress without metadata', { ingresses: [{ kind: 'Ingress', spec: { rules: [] } }] }],
    ['rules that are not a list', { ingresses: [{ ...good, spec: { rules: 'all' } }] }],
    ['a rule that is a string', { ingresses: [{ ...good, spec: { rules: ['x'] } }] }],
    [
      'paths of the wrong type',
      { ingresses: [{ ...good, spec: { rules: [{ http: { paths: [null, 3, { path: 7 }] } }] } }] },
    ],
    [
      'a backend that is a number',
      {
        ingresses: [
          {
            ...good,
            spec: {
              defaultBackend: 5,
              rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: 'svc' }] } }],
            },
          },
        ],
      },
    ],
    [
      'a port that is a string number',
      {
        ingresses: [
          { ...good, spec: { defaultBackend: { service: { name: 'a', port: { number: '80' } } } } },
        ],
      },
    ],
    [
      'tls of the wrong shapes',
      {
        ingresses: [
          {
            ...good,
            spec: {
              tls: [null, { hosts: 'x', secretName: 4 }, { hosts: [null, 5] }],
              rules: [{ host: 'a.example.com' }],
            },
          },
        ],
      },
    ],
    [
      'annotations that are not a map',
      { ingresses: [{ ...good, metadata: { ...good.metadata, annotations: 'x' } }] },
    ],
    [
      'a Secret with non-string data',
      {
        ingresses: [{ ...good, spec: { tls: [{ secretName: 's' }], rules: [{ host: 'a.example.com' }] } }],
        secrets: [
          {
            kind: 'Secret',
            metadata: { name: 's', namespace: 'x' },
            type: 'kubernetes.io/tls',
            data: { 'tls.crt': 1, 'tls.key': null },
          },
        ],
      },
    ],
    [
      'a Service and slice full of nonsense',
      {
        ingresses: [{ ...good, spec: { defaultBackend: { service: { name: 'a', port: { number: 80 } } } } }],
        services: [
          {
            kind: 'Service',
            metadata: { name: 'a', namespace: 'x' },
            spec: { ports: [null, { port: 'eighty' }, { port: 80, appProtocol: 5 }] },
          },
        ],
        endpointSlices: [
          {
            kind: 'EndpointSlice',
            metadata: { name: 's', namespace: 'x', labels: { 'kubernetes.io/service-name': 'a' } },
            addressType: 'IPv4',
            ports: [{ port: 70000 }, { port: 8080 }],
            endpoints: [
              null,
              { addresses: null },
              { addresses: [12] },
              { addresses: ['not-an-ip'] },
              { addresses: ['10.0.0.1'], conditions: 'ready' },
            ],
          },
        ],
      },
    ],
    [
      'a creationTimestamp that is not a date',
      {
        ingresses: [
          {
            ...good,
            metadata: { ...good.metadata, creationTimestamp: 'yesterday' },
            spec: { defaultBackend: { service: { name: 'a', port: { number: 80 } } } },
          },
        ],
      },
    ],
  ];
  for (const [name, input] of cases) {
    it(name, () => {
      const result = translate(input as Snapshot, {
        ...OPTIONS,
        ingressClass: 'gatehouse',
        defaultBackendService: 'x/a',
        defaultSslCertificate: 'x/s',
        now: new Date(0),
      });
      const validation = validateRouteTable({ version: 1, ...result.table });
      assert.ok(validation.ok, JSON.stringify(validation));
      for (const d of result.diagnostics)
        assert.ok(d.object.name && d.reason && d.message, JSON.stringify(d));
    });
  }

  it('random corruption of the shop fixture never throws and always validates', () => {
    const junk: unknown[] = [
      null,
      undefined,
      0,
      -1,
      70000,
      1.5,
      '',
      '/',
      '*',
      'A B',
      '..',
      true,
      [],
      {},
      [null],
      { a: 1 },
    ];
    const random = prng(42);
    const corrupt = (value: unknown): unknown => {
      if (random() < 0.08) return junk[Math.floor(random() * junk.length)];
      if (Array.isArray(value)) return value.map(corrupt);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, corrupt(v)]));
      }
      return value;
    };
    const base = shop();
    for (let round = 0; round < 300; round++) {
      const input = corrupt(base) as Snapshot;
      const result = translate(input, {
        ...OPTIONS,
        defaultBackendService: 'shop/frontend',
        now: new Date('2030-01-01T00:00:00Z'),
      });
      const validation = validateRouteTable({ version: 1, ...result.table });
      assert.ok(validation.ok, `round ${round}: ${JSON.stringify(validation)}`);
    }
  });
});
