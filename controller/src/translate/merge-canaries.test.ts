// Canary Ingresses as ingress-nginx merges them (annotations.md#canary, test/e2e/annotations/canary.go,
// rootfs/etc/nginx/lua/balancer.lua): the routes of host a.example after translation, one line each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Route } from '../../../dataplane/src/table/types.ts';
import { hostOf, ingress, ready, reasons, rule, run, service, slice } from './testkit.ts';

const P = 'nginx.ingress.kubernetes.io';
const WEB = 'default/web:80';
const CANARY = 'default/web-canary:80';

function line(r: Route): string {
  const when = [
    ...(r.match.headers ?? []).map((h) => `header ${h.name} ${h.type} ${h.value}`),
    ...(r.match.cookies ?? []).map((c) => `cookie ${c.name} ${c.type} ${c.value}`),
  ];
  const to = r.backends
    .map((b) => (r.backends.length > 1 ? `${b.backend}=${b.weight}` : b.backend))
    .join(' ');
  return `${r.match.path.type} ${r.match.path.value}${when.length > 0 ? ` [${when.join(', ')}]` : ''} -> ${to}`;
}

const backends = {
  services: [service('web', [{ port: 80 }]), service('web-canary', [{ port: 80 }])],
  endpointSlices: [
    slice('web-1', 'web', [{ port: 80 }], [ready('10.0.0.1')]),
    slice('web-canary-1', 'web-canary', [{ port: 80 }], [ready('10.0.0.2')]),
  ],
};

function translateCanary(
  annotations: Record<string, string>,
  opts: {
    mainFirst?: boolean;
    mainPaths?: string[];
    canaryPaths?: string[];
    mainAnnotations?: Record<string, string>;
  } = {},
) {
  const main = ingress(
    'main',
    { rules: [rule('a.example', opts.mainPaths ?? ['/app'], 'web')] },
    {
      created: opts.mainFirst === false ? '2026-01-02T00:00:00Z' : '2026-01-01T00:00:00Z',
      ...(opts.mainAnnotations ? { annotations: opts.mainAnnotations } : {}),
    },
  );
  const canary = ingress(
    'canary',
    { rules: [rule('a.example', opts.canaryPaths ?? ['/app'], 'web-canary')] },
    {
      created: opts.mainFirst === false ? '2026-01-01T00:00:00Z' : '2026-01-02T00:00:00Z',
      annotations: { [`${P}/canary`]: 'true', ...annotations },
    },
  );
  const result = run({ ingresses: [main, canary], ...backends });
  return { result, routes: hostOf(result, 'a.example').routes.map(line), reasons: reasons(result) };
}

describe('canary routes: precedence header → cookie → weight (balancer.lua route_to_alternative_balancer)', () => {
  const cases: Array<{ rule: string; annotations: Record<string, string>; routes: string[] }> = [
    {
      rule: 'canary-weight 30 splits the main route 70:30',
      annotations: { [`${P}/canary-weight`]: '30' },
      routes: [`Prefix /app -> ${WEB}=70 ${CANARY}=30`],
    },
    {
      rule: 'canary-weight-total 1000 makes the weight a share of 1000',
      annotations: { [`${P}/canary-weight`]: '300', [`${P}/canary-weight-total`]: '1000' },
      routes: [`Prefix /app -> ${WEB}=700 ${CANARY}=300`],
    },
    {
      rule: 'canary-weight equal to the total sends everything to the canary',
      annotations: { [`${P}/canary-weight`]: '200', [`${P}/canary-weight-total`]: '200' },
      routes: [`Prefix /app -> ${WEB}=0 ${CANARY}=200`],
    },
    {
      rule: 'canary-weight 0 (or absent) leaves the main route alone',
      annotations: { [`${P}/canary-weight`]: '0' },
      routes: [`Prefix /app -> ${WEB}`],
    },
    {
      rule: 'a weight above the total counts as the total (random(total) <= weight always holds)',
      annotations: { [`${P}/canary-weight`]: '150' },
      routes: [`Prefix /app -> ${WEB}=0 ${CANARY}=100`],
    },
    {
      rule: 'a total below 100 counts as 100, as balancer.lua reads it',
      annotations: { [`${P}/canary-weight`]: '5', [`${P}/canary-weight-total`]: '10' },
      routes: [`Prefix /app -> ${WEB}=95 ${CANARY}=5`],
    },
    {
      rule: 'canary-by-header: "always" selects the canary, "never" pins the main backend',
      annotations: { [`${P}/canary-by-header`]: 'X-Canary' },
      routes: [
        `Prefix /app [header X-Canary Exact always] -> ${CANARY}`,
        `Prefix /app [header X-Canary Exact never] -> ${WEB}`,
        `Prefix /app -> ${WEB}`,
      ],
    },
    {
      rule: 'canary-by-header-value replaces always/never by one exact value (no "never")',
      annotations: { [`${P}/canary-by-header`]: 'X-Canary', [`${P}/canary-by-header-value`]: 'DoCanary' },
      routes: [`Prefix /app [header X-Canary Exact DoCanary] -> ${CANARY}`, `Prefix /app -> ${WEB}`],
    },
    {
      rule: 'canary-by-header-pattern finds a match anywhere in the value (ngx.re.match)',
      annotations: {
        [`${P}/canary-by-header`]: 'X-Canary',
        [`${P}/canary-by-header-pattern`]: '^Do[A-Z][a-z]+y$',
      },
      routes: [
        `Prefix /app [header X-Canary Regex .*(?:^Do[A-Z][a-z]+y$).*] -> ${CANARY}`,
        `Prefix /app -> ${WEB}`,
      ],
    },
    {
      rule: 'canary-by-header-value wins over canary-by-header-pattern',
      annotations: {
        [`${P}/canary-by-header`]: 'X-Canary',
        [`${P}/canary-by-header-value`]: 'DoCanary',
        [`${P}/canary-by-header-pattern`]: '^Do.*$',
      },
      routes: [`Prefix /app [header X-Canary Exact DoCanary] -> ${CANARY}`, `Prefix /app -> ${WEB}`],
    },
    {
      rule: 'a pattern that does not compile sends every request carrying the header to main (e2e: Regex causes error)',
      annotations: {
        [`${P}/canary-by-header`]: 'CanaryByHeader',
        [`${P}/canary-by-header-pattern`]: '[][**da?$&*',
        [`${P}/canary-by-cookie`]: 'CanaryByCookie',
      },
      routes: [
        `Prefix /app [header CanaryByHeader Regex .*] -> ${WEB}`,
        `Prefix /app [cookie CanaryByCookie Exact always] -> ${CANARY}`,
        `Prefix /app [cookie CanaryByCookie Exact never] -> ${WEB}`,
        `Prefix /app -> ${WEB}`,
      ],
    },
    {
      rule: 'header, cookie and weight together: header routes, cookie routes, then the split',
      annotations: {
        [`${P}/canary-by-header`]: 'X-Canary',
        [`${P}/canary-by-cookie`]: 'canary',
        [`${P}/canary-weight`]: '10',
      },
      routes: [
        `Prefix /app [header X-Canary Exact always] -> ${CANARY}`,
        `Prefix /app [header X-Canary Exact never] -> ${WEB}`,
        `Prefix /app [cookie canary Exact always] -> ${CANARY}`,
        `Prefix /app [cookie canary Exact never] -> ${WEB}`,
        `Prefix /app -> ${WEB}=90 ${CANARY}=10`,
      ],
    },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      const { routes, reasons } = translateCanary(c.annotations);
      assert.deepEqual(routes, c.routes);
      assert.deepEqual(
        reasons.filter((r) => r.includes('RouteConflict')),
        [],
      );
    });
  }
});

describe('canary Ingresses: which main they join, and what of theirs is used', () => {
  test('creation order does not matter: a canary older than its main gives the same table', () => {
    const a = { [`${P}/canary-by-header`]: 'X-Canary', [`${P}/canary-weight`]: '20' };
    assert.deepEqual(translateCanary(a, { mainFirst: false }).result.table, translateCanary(a).result.table);
  });

  test('a canary without a main route serves nothing and says so (e2e: 404 if no matching ingress)', () => {
    const { result, reasons } = translateCanary(
      { [`${P}/canary-weight`]: '50' },
      { canaryPaths: ['/other'] },
    );
    assert.deepEqual(hostOf(result, 'a.example').routes.map(line), [`Prefix /app -> ${WEB}`]);
    assert.ok(
      reasons.includes('Ingress default/canary spec.rules[0].http.paths[0] CanaryWithoutMain'),
      reasons.join('\n'),
    );
  });

  test('a canary alone adds no host (e2e: should not use canary with domain as a server)', () => {
    const canary = ingress(
      'canary',
      { rules: [rule('b.example', ['/'], 'web-canary')] },
      {
        annotations: { [`${P}/canary`]: 'true' },
      },
    );
    const result = run({ ingresses: [canary], ...backends });
    assert.deepEqual(result.table.hosts, []);
  });

  test('a canary is not a route conflict, and joins only the path with the same type', () => {
    const { routes, reasons } = translateCanary(
      { [`${P}/canary-weight`]: '50' },
      { mainPaths: ['/app', '/'], canaryPaths: ['/app'] },
    );
    assert.deepEqual(routes, [`Prefix /app -> ${WEB}=50 ${CANARY}=50`, `Prefix / -> ${WEB}`]);
    assert.deepEqual(reasons, []);
  });

  test('two canaries for one path: the older one is used, the other is a conflict', () => {
    const main = ingress('main', { rules: [rule('a.example', ['/app'], 'web')] });
    const older = ingress(
      'canary-b',
      { rules: [rule('a.example', ['/app'], 'web-canary')] },
      {
        created: '2026-01-02T00:00:00Z',
        annotations: { [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '10' },
      },
    );
    const newer = ingress(
      'canary-a',
      { rules: [rule('a.example', ['/app'], 'web')] },
      {
        created: '2026-01-03T00:00:00Z',
        annotations: { [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '90' },
      },
    );
    const result = run({ ingresses: [newer, main, older], ...backends });
    assert.deepEqual(hostOf(result, 'a.example').routes.map(line), [`Prefix /app -> ${WEB}=90 ${CANARY}=10`]);
    assert.deepEqual(reasons(result), ['Ingress default/canary-a spec.rules[0].http.paths[0] RouteConflict']);
  });

  test("the canary's other annotations are ignored (reported), the main's filters govern; load-balance is kept", () => {
    const { reasons, routes, result } = translateCanary({
      [`${P}/canary-weight`]: '50',
      [`${P}/auth-url`]: 'http://auth.example/check',
      [`${P}/load-balance`]: 'ewma',
    });
    const canaryKey = Object.keys(result.table.backends).find((k) => k.startsWith(`${CANARY}~`));
    assert.deepEqual(routes, [`Prefix /app -> ${WEB}=50 ${canaryKey}=50`]);
    assert.deepEqual(result.table.backends[canaryKey!]!.balancer, { type: 'LeastRequest' });
    assert.deepEqual(reasons, [
      `Ingress default/canary metadata.annotations["${P}/auth-url"] CanaryAnnotationIgnored`,
    ]);
  });

  test("the main Ingress's auth-url guards its canary's routes too (canary routes are copies of the main ones)", () => {
    const { result } = translateCanary(
      { [`${P}/canary-by-header`]: 'X-Canary' },
      { mainAnnotations: { [`${P}/auth-url`]: 'http://auth.example/check' } },
    );
    const routes = hostOf(result, 'a.example').routes;
    assert.ok(routes.length >= 2);
    for (const route of routes)
      assert.equal(route.externalAuth?.path, '/check', JSON.stringify(route.backends));
  });

  test('a main Ingress that fails closed stays closed for canary traffic too', () => {
    const { routes } = translateCanary(
      { [`${P}/canary-by-header`]: 'X-Canary', [`${P}/canary-weight`]: '50' },
      { mainAnnotations: { [`${P}/auth-snippet`]: 'deny all;' } },
    );
    assert.deepEqual(routes, ['Prefix /app -> ']);
  });

  test('canary-* keys on an Ingress that is not a canary are reported and ignored', () => {
    const main = ingress(
      'main',
      { rules: [rule('a.example', ['/app'], 'web')] },
      {
        annotations: { [`${P}/canary-weight`]: '50' },
      },
    );
    const result = run({ ingresses: [main], ...backends });
    assert.deepEqual(hostOf(result, 'a.example').routes.map(line), [`Prefix /app -> ${WEB}`]);
    assert.deepEqual(reasons(result), [
      `Ingress default/main metadata.annotations["${P}/canary"] InvalidAnnotation`,
    ]);
  });

  test('invalid values fall back to ingress-nginx defaults with a warning', () => {
    const { routes, reasons } = translateCanary({
      [`${P}/canary-weight`]: 'lots',
      [`${P}/canary-by-header`]: 'X Canary!',
    });
    assert.deepEqual(routes, [`Prefix /app -> ${WEB}`]);
    assert.deepEqual(reasons, [
      `Ingress default/canary metadata.annotations["${P}/canary-by-header"] InvalidAnnotation`,
      `Ingress default/canary metadata.annotations["${P}/canary-weight"] InvalidAnnotation`,
    ]);
  });
});

describe('canaries and tenancy', () => {
  test("a canary in another namespace never takes a share of the main route's traffic (CanaryOtherNamespace)", () => {
    const main = ingress('main', { rules: [rule('a.example', ['/app'], 'web')] });
    const intruder = ingress(
      'canary',
      { rules: [rule('a.example', ['/app'], 'web-canary')] },
      {
        namespace: 'tenant-b',
        created: '2026-01-02T00:00:00Z',
        annotations: { [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '100' },
      },
    );
    const result = run({
      ingresses: [main, intruder],
      services: [...backends.services, service('web-canary', [{ port: 80 }], { namespace: 'tenant-b' })],
      endpointSlices: [
        ...backends.endpointSlices,
        slice('web-canary-1', 'web-canary', [{ port: 80 }], [ready('10.0.0.9')], { namespace: 'tenant-b' }),
      ],
    });
    assert.deepEqual(hostOf(result, 'a.example').routes.map(line), [`Prefix /app -> ${WEB}`]);
    assert.deepEqual(reasons(result), [
      'Ingress tenant-b/canary spec.rules[0].http.paths[0] CanaryOtherNamespace',
    ]);
  });
});

describe('canaries on a host with regex paths', () => {
  test('a canary joins its main route when the main Ingress uses use-regex (the canary takes the same regex form)', () => {
    const { routes, reasons } = translateCanary(
      { [`${P}/canary-weight`]: '25' },
      { mainAnnotations: { [`${P}/use-regex`]: 'true' } },
    );
    assert.ok(
      routes.some((r) => r.endsWith(`-> ${WEB}=75 ${CANARY}=25`)),
      `a main route split 75:25, in ${JSON.stringify(routes)}`,
    );
    assert.ok(!reasons.some((r) => r.includes('CanaryWithoutMain')), JSON.stringify(reasons));
  });
});

// affinity-canary-behavior (annotations.md#session-affinity, examples/affinity/cookie): ingress-nginx
// controller.go mergeAlternativeBackend copies the main backend's SessionAffinity onto the canary
// backend unless the canary Ingress says "legacy"; balancer.lua route_to_alternative_balancer then
// keeps an affinitized request on the backend its cookie names before header, cookie and weight.
// Here: the canary backend gets the main's affinity policy, and a route lists every sticky group
// (weight 0 where the route would not pick it) so that a pinned client can be sent back to it.
describe('affinity-canary-behavior: canaries and cookie affinity', () => {
  const affinity = { [`${P}/affinity`]: 'cookie', [`${P}/session-cookie-name`]: 'route' };
  /** Routes with backends named web/canary and their balancer: `cookie:route`, `RoundRobin`, … */
  function sticky(canary: Record<string, string>, main: Record<string, string> = affinity) {
    const { result, routes, reasons } = translateCanary(canary, { mainAnnotations: main });
    const table = result.table;
    const name = (key: string) => {
      const b = table.backends[key];
      const policy = b.balancer;
      const how =
        policy.type === 'ConsistentHash' && policy.setCookie !== undefined
          ? `cookie:${policy.setCookie.name}`
          : policy.type;
      return `${b.service === 'web' ? 'web' : 'canary'}(${how})`;
    };
    const lines = hostOf(result, 'a.example').routes.map((r) => {
      const when = [
        ...(r.match.headers ?? []).map((h) => `header ${h.value}`),
        ...(r.match.cookies ?? []).map((c) => `cookie ${c.value}`),
      ];
      const to = r.backends.map((b) => `${name(b.backend)}=${b.weight}`).join(' ');
      return `${when.length > 0 ? `[${when.join(', ')}] ` : ''}${to}`;
    });
    return { lines, routes, reasons };
  }

  test('sticky (the default): the canary backend takes the main affinity, and every route lists both groups', () => {
    const { lines, reasons } = sticky({
      [`${P}/canary-weight`]: '20',
      [`${P}/canary-by-header`]: 'X-Canary',
      [`${P}/canary-by-cookie`]: 'use-canary',
    });
    assert.deepEqual(lines, [
      '[header always] canary(cookie:route)=1 web(cookie:route)=0',
      '[header never] web(cookie:route)=1 canary(cookie:route)=0',
      '[cookie always] canary(cookie:route)=1 web(cookie:route)=0',
      '[cookie never] web(cookie:route)=1 canary(cookie:route)=0',
      'web(cookie:route)=80 canary(cookie:route)=20',
    ]);
    assert.deepEqual(reasons, []);
  });

  test('sticky with canary-weight 0: the canary stays on the main route at weight 0 for the clients it pinned', () => {
    const { lines } = sticky({ [`${P}/canary-by-header`]: 'X-Canary' });
    assert.deepEqual(lines.at(-1), 'web(cookie:route)=1 canary(cookie:route)=0');
  });

  test('legacy: the canary keeps its own balancing (no affinity), so only the main group pins clients', () => {
    const { lines } = sticky({
      [`${P}/canary-weight`]: '20',
      [`${P}/canary-by-header`]: 'X-Canary',
      [`${P}/affinity-canary-behavior`]: 'legacy',
    });
    assert.deepEqual(lines, [
      '[header always] canary(RoundRobin)=1 web(cookie:route)=0',
      '[header never] web(cookie:route)=1',
      'web(cookie:route)=80 canary(RoundRobin)=20',
    ]);
  });

  test("legacy with the canary's own affinity annotation: the canary pins with its own cookie", () => {
    const { lines } = sticky({
      [`${P}/canary-weight`]: '20',
      [`${P}/affinity-canary-behavior`]: 'legacy',
      [`${P}/affinity`]: 'cookie',
      [`${P}/session-cookie-name`]: 'canary-route',
    });
    assert.deepEqual(lines, ['web(cookie:route)=80 canary(cookie:canary-route)=20']);
  });

  test("sticky without affinity on the main Ingress: the main's (absent) affinity replaces the canary's own", () => {
    const { lines } = sticky(
      {
        [`${P}/canary-weight`]: '20',
        [`${P}/affinity`]: 'cookie',
        [`${P}/load-balance`]: 'ewma',
      },
      {},
    );
    assert.deepEqual(lines, ['web(RoundRobin)=80 canary(LeastRequest)=20']);
  });

  test('an invalid value is reported and sticky applies; the value on the main Ingress does nothing', () => {
    const { lines, reasons } = sticky({
      [`${P}/canary-weight`]: '20',
      [`${P}/affinity-canary-behavior`]: 'Sticky!',
    });
    assert.deepEqual(lines, ['web(cookie:route)=80 canary(cookie:route)=20']);
    assert.deepEqual(reasons, [
      `Ingress default/canary metadata.annotations["${P}/affinity-canary-behavior"] InvalidAnnotation`,
    ]);
    const onMain = sticky(
      { [`${P}/canary-weight`]: '20' },
      { ...affinity, [`${P}/affinity-canary-behavior`]: 'legacy' },
    );
    assert.deepEqual(onMain.lines, ['web(cookie:route)=80 canary(cookie:route)=20']);
  });
});
