import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv, type ErrorObject } from 'ajv';
import { AJV_OPTIONS } from './generate-validator.ts';
import { routeTableSchema } from './schema.ts';
import type { RouteTable } from './types.ts';
import { validateRouteTable } from './validate.ts';
import checkShape from './validate-table.generated.js';

const fixture: RouteTable = JSON.parse(
  readFileSync(new URL('./testdata/table.json', import.meta.url), 'utf8'),
);

/** testdata/table.json with one change; `t` is a deep copy the change may mutate. */
// biome-ignore lint/suspicious/noExplicitAny: cases reach into the table to break it
function broken(change: (t: any) => void): unknown {
  const t = structuredClone(fixture);
  change(t);
  return t;
}

const route0 = '/hosts/0/routes/0';

/** Each case breaks one rule of the contract; the errors are what a worker logs and reports. */
const cases: Array<{ rule: string; table: unknown; errors: string[] }> = [
  { rule: 'a table is an object', table: null, errors: ['/ must be object'] },
  {
    rule: 'hosts are required',
    table: broken((t) => delete t.hosts),
    errors: ["/ must have required property 'hosts'"],
  },
  {
    rule: 'the version is not negative',
    table: broken((t) => (t.version = -1)),
    errors: ['/version must be >= 0'],
  },
  {
    rule: 'no unknown top-level field',
    table: broken((t) => (t.extra = 1)),
    errors: ['/ must NOT have additional properties'],
  },
  {
    rule: 'a host is a lower-case DNS name or wildcard',
    table: broken((t) => (t.hosts[0].host = 'Shop.example.com')),
    errors: [
      '/hosts/0/host must match pattern "^(\\*|(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$"',
    ],
  },
  {
    rule: 'a path type is Exact, Prefix or Regex',
    table: broken((t) => (t.hosts[0].routes[0].match.path.type = 'Glob')),
    errors: [`${route0}/match/path/type must be equal to one of the allowed values`],
  },
  {
    rule: 'a path value is not empty (counted in UCS-2 code units)',
    table: broken((t) => (t.hosts[0].routes[0].match.path.value = '')),
    errors: [`${route0}/match/path/value must NOT have fewer than 1 characters`],
  },
  {
    rule: 'a backend weight is an integer',
    table: broken((t) => (t.hosts[0].routes[0].backends[0].weight = 1.5)),
    errors: [`${route0}/backends/0/weight must be integer`],
  },
  {
    rule: 'methods are not repeated',
    table: broken((t) => (t.hosts[0].routes[0].match.methods = ['GET', 'GET'])),
    errors: [`${route0}/match/methods must NOT have duplicate items (items ## 1 and 0 are identical)`],
  },
  {
    rule: 'a header value holds no control character',
    table: broken((t) => (t.hosts[0].routes[0].filters[0].set[0].value = 'a\nb')),
    errors: [
      `${route0}/filters/0/set/0/value must match pattern "^[\\t\\x20-\\x7e\\x80-\\xff]*$"`,
      `${route0}/filters/0 must have required property 'statusCode'`,
      `${route0}/filters/0 must NOT have additional properties`,
      `${route0}/filters/0 must have required property 'statusCode'`,
      `${route0}/filters/0 must have required property 'backend'`,
      `${route0}/filters/0 must match exactly one schema in oneOf`,
    ],
  },
  // The path sent upstream or in a Location is data: nothing a request line or header could split on.
  ...[
    ['RegexSubstitution', '/a\r\nx-injected: 1'],
    ['ReplaceFullPath', '/a\r\nx-injected: 1'],
    ['ReplacePrefixMatch', '/a b'],
    ['RegexSubstitution', '/a?b=1'],
  ].map(([type, value]) => ({
    rule: `a rewritten path holds no control character, space or query (${type} ${JSON.stringify(value)})`,
    table: broken((t) => (t.hosts[0].routes[0].filters[1].path = { type, value })),
    errors: [
      `${route0}/filters/1 must NOT have additional properties`,
      `${route0}/filters/1 must have required property 'statusCode'`,
      `${route0}/filters/1/path/value must match pattern "^[^\\u0000-\\u0020\\u007f?#]+$"`,
      `${route0}/filters/1 must have required property 'statusCode'`,
      `${route0}/filters/1 must have required property 'backend'`,
      `${route0}/filters/1 must match exactly one schema in oneOf`,
    ],
  })),
  {
    rule: 'a retry names known conditions only',
    table: broken((t) => (t.hosts[0].routes[0].retry.on = ['500'])),
    errors: [`${route0}/retry/on/0 must be equal to one of the allowed values`],
  },
  {
    rule: 'an endpoint port is at most 65535',
    table: broken((t) => (t.backends['shop/api:http'].endpoints[0].port = 70000)),
    errors: ['/backends/shop~1api:http/endpoints/0/port must be <= 65535'],
  },
  {
    rule: 'a certificate has its key',
    table: broken((t) => delete t.certificates['shop/shop-tls'].keyPem),
    errors: ["/certificates/shop~1shop-tls must have required property 'keyPem'"],
  },
  {
    rule: 'routes name backends of the table',
    table: broken((t) => (t.hosts[0].routes[0].backends[0].backend = 'shop/gone:http')),
    errors: [`${route0}/backends/0 names unknown backend "shop/gone:http"`],
  },
  {
    rule: "a backend's client certificate is a certificate of the table",
    table: broken(
      (t) => (t.backends['shop/api:http'].tls = { verify: true, clientCertificate: 'secret/shop/gone' }),
    ),
    errors: ['/backends/shop/api:http/tls names unknown client certificate "secret/shop/gone"'],
  },
  {
    rule: 'TLS versions to a backend are 1.2 or 1.3',
    table: broken((t) => (t.backends['shop/api:http'].tls = { verify: false, minVersion: 'TLSv1.1' })),
    errors: ['/backends/shop~1api:http/tls/minVersion must be equal to one of the allowed values'],
  },
  {
    rule: 'a mirror names a backend of the table',
    table: broken((t) => (t.hosts[0].routes[0].filters[2].backend = 'shop/gone:http')),
    errors: [`${route0}/filters/2 mirrors to unknown backend "shop/gone:http"`],
  },
  {
    rule: 'errorPages names a backend of the table',
    table: broken(
      (t) =>
        (t.hosts[0].routes[0].errorPages = {
          codes: [404],
          backend: 'shop/gone:http',
          service: 'api',
          servicePort: '80',
        }),
    ),
    errors: [`${route0}/errorPages names unknown backend "shop/gone:http"`],
  },
  {
    rule: 'errorPages headers are header values, never an injection',
    table: broken(
      (t) =>
        (t.hosts[0].routes[0].errorPages = {
          codes: [404],
          backend: 'shop/api:http',
          service: 'api\r\nx-evil: 1',
          servicePort: '80',
        }),
    ),
    errors: [`${route0}/errorPages/service must match pattern "^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$"`],
  },
  {
    rule: 'errorPages codes are 400-599',
    table: broken(
      (t) =>
        (t.hosts[0].routes[0].errorPages = {
          codes: [302],
          backend: 'shop/api:http',
          service: 'api',
          servicePort: '80',
        }),
    ),
    errors: [`${route0}/errorPages/codes/0 must be >= 400`],
  },
  {
    rule: 'a mirror Host is a host name, never a header injection',
    table: broken((t) => (t.hosts[0].routes[0].filters[2].hostname = 'a.test\r\nx-evil: 1')),
    errors: [
      `${route0}/filters/2 must NOT have additional properties`,
      `${route0}/filters/2 must have required property 'statusCode'`,
      `${route0}/filters/2 must NOT have additional properties`,
      `${route0}/filters/2 must have required property 'statusCode'`,
      `${route0}/filters/2/hostname must match pattern "^[A-Za-z0-9._\\[\\]:-]+$"`,
      `${route0}/filters/2 must match exactly one schema in oneOf`,
    ],
  },
  {
    rule: 'Exact and Prefix paths start with a slash',
    table: broken((t) => (t.hosts[1].routes[0].match.path = { type: 'Exact', value: 'v1' })),
    errors: ['/hosts/1/routes/0/match/path must start with "/"'],
  },
  {
    rule: 'a host appears once',
    table: broken((t) => (t.hosts[1].host = 'shop.example.com')),
    errors: ['/hosts/1 repeats host "shop.example.com"'],
  },
  {
    rule: 'TLS hosts and the default name certificates of the table',
    table: broken((t) => {
      t.hosts[0].tls.certificate = 'shop/gone';
      t.defaultCertificate = 'shop/gone';
    }),
    errors: [
      '/hosts/0/tls names unknown certificate "shop/gone"',
      '/defaultCertificate names unknown certificate "shop/gone"',
    ],
  },
];

describe('route table validation', () => {
  it('testdata/table.json, which uses most of the contract, is valid', () => {
    assert.deepEqual(validateRouteTable(fixture), { ok: true, table: fixture });
  });

  for (const c of cases) {
    it(`${c.rule}: rejected with the path and rule in the message`, () => {
      assert.deepEqual(validateRouteTable(c.table), { ok: false, errors: c.errors });
    });
  }

  // The worker writes these into Set-Cookie: nothing in them may become header syntax.
  const hostileCookies: Array<[field: string, value: unknown]> = [
    ['name', 'aff; Domain=evil'],
    ['name', 'a\r\nX-Injected: 1'],
    ['path', '/; Domain=evil'],
    ['path', '/a\r\nX-Injected: 1'],
    ['domain', 'example.com; Secure'],
    ['domain', 'example.com\n'],
    ['sameSite', 'Lax; Secure'],
    ['secure', 'true'],
  ];
  for (const [field, value] of hostileCookies) {
    it(`an affinity cookie ${field} ${JSON.stringify(value)} is rejected`, () => {
      const table = broken((t) => (t.backends['shop/api-canary:http'].balancer.setCookie[field] = value));
      assert.equal(validateRouteTable(table).ok, false);
    });
  }
  it('an affinity cookie with every attribute is valid', () => {
    const table = broken((t) =>
      Object.assign(t.backends['shop/api-canary:http'].balancer.setCookie, {
        domain: '.example.com',
        sameSite: 'None',
        conditionalSameSiteNone: true,
        secure: true,
      }),
    );
    assert.equal(validateRouteTable(table).ok, true);
  });

  // The worker writes these into Location, Refresh and Set-Cookie: nothing may become header syntax.
  const hostileRewrites: Array<[field: string, from: string, to: string]> = [
    ['location', 'http://a/', 'http://b/\r\nX-Injected: 1'],
    ['location', 'http://a/\n', '/'],
    ['location', '', '/'],
    ['cookieDomain', 'internal', 'example.com; Secure'],
    ['cookieDomain', 'internal', 'example.com\u0000'],
    ['cookiePath', '/app', '/; Domain=evil'],
    ['cookiePath', '/app\t', '/'],
  ];
  for (const [field, from, to] of hostileRewrites) {
    it(`a ${field} rewrite ${JSON.stringify(from)} → ${JSON.stringify(to)} is rejected`, () => {
      const table = broken((t) => (t.hosts[0].routes[0].responseRewrites = { [field]: { from, to } }));
      assert.equal(validateRouteTable(table).ok, false);
    });
  }
  it('response rewrites of Location, cookie Domain and Path are valid', () => {
    const table = broken(
      (t) =>
        (t.hosts[0].routes[0].responseRewrites = {
          location: { from: 'http://internal:8080/', to: 'https://example.com/' },
          cookieDomain: { from: 'internal', to: 'example.com' },
          cookiePath: { from: '/app', to: '/' },
        }),
    );
    assert.equal(validateRouteTable(table).ok, true);
  });

  // Snippet translations (controller/src/translate/annotations/snippet/): typed values only.
  it('DirectResponse with a text body, RegexReplace with its own pattern, status-limited response headers are valid', () => {
    const t = broken((t) => {
      t.hosts[0].routes[0].filters = [
        { type: 'DirectResponse', statusCode: 403, body: 'forbidden\tnow' },
        { type: 'ResponseHeaderModifier', add: [{ name: 'X-A', value: '1' }], statuses: [200, 304] },
        { type: 'URLRewrite', path: { type: 'RegexReplace', pattern: '^/a(.*)', value: '/b$1' } },
      ];
    });
    assert.equal(validateRouteTable(t).ok, true);
  });
  const badFilters: Array<[rule: string, filter: unknown]> = [
    ['a 3xx DirectResponse', { type: 'DirectResponse', statusCode: 301 }],
    ['a 1xx DirectResponse', { type: 'DirectResponse', statusCode: 101 }],
    ['a DirectResponse body with a newline', { type: 'DirectResponse', statusCode: 200, body: 'a\r\nb' }],
    [
      'a RegexReplace without its pattern',
      { type: 'URLRewrite', path: { type: 'RegexReplace', value: '/b' } },
    ],
    ['statuses on a request header change', { type: 'RequestHeaderModifier', statuses: [200] }],
    ['a status out of range', { type: 'ResponseHeaderModifier', statuses: [600] }],
    [
      'a pattern on another modifier',
      { type: 'URLRewrite', path: { type: 'ReplaceFullPath', pattern: 'x', value: '/b' } },
    ],
  ];
  for (const [rule, filter] of badFilters) {
    it(`${rule} is rejected`, () => {
      assert.equal(validateRouteTable(broken((t) => (t.hosts[0].routes[0].filters = [filter]))).ok, false);
    });
  }

  it('the generated validator accepts and rejects exactly as ajv compiling schema.ts does, error for error', () => {
    const compiled = new Ajv(AJV_OPTIONS).compile(routeTableSchema);
    // Everything an error says about the data; its schemaPath names the generated $defs instead.
    const facts = (errors: ErrorObject[] | null | undefined) =>
      (errors ?? []).map(({ instancePath, keyword, params, message }) => ({
        instancePath,
        keyword,
        params,
        message,
      }));
    for (const table of [fixture, ...cases.map((c) => c.table)]) {
      const ok = checkShape(table);
      assert.equal(ok, compiled(table), JSON.stringify(table));
      assert.deepEqual(facts(checkShape.errors), facts(compiled.errors));
    }
  });
});
