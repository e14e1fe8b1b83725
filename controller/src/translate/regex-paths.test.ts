// use-regex and rewrite-target as ingress-nginx translates them: docs/user-guide/ingress-path-matching.md
// (the location order and the host-wide regex modifier), template.go (enforceRegexModifier,
// buildLocation, buildProxyPass), location.go (updateServerLocations), rewrite/main.go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route } from '../../../dataplane/src/table/types.ts';
import { backend, hostOf, ingress, ready, reasons, run, service, slice } from './testkit.ts';

const P = 'nginx.ingress.kubernetes.io';

type PathType = 'Prefix' | 'Exact' | 'ImplementationSpecific';

function ing(
  name: string,
  host: string,
  paths: Array<[string, PathType, string?]>,
  annotations: Record<string, string> = {},
) {
  const prefixed: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) prefixed[`${P}/${k}`] = v;
  return ingress(
    name,
    {
      rules: [
        {
          host,
          http: {
            paths: paths.map(([path, pathType, svc]) => ({
              path,
              pathType,
              backend: backend(svc ?? 'web', 80),
            })),
          },
        },
      ],
    },
    { annotations: prefixed },
  );
}

function translate(...ingresses: ReturnType<typeof ing>[]) {
  const services = ['web', 'one', 'two', 'three'];
  return run({
    ingresses,
    services: services.map((s) => service(s, [{ port: 80, targetPort: 8080 }])),
    endpointSlices: services.map((s) => slice(`${s}-1`, s, [{ port: 8080 }], [ready('10.0.0.1')])),
  });
}

/** `type value -> service [rewrite]`, in table order. */
function routes(result: ReturnType<typeof run>, host: string): string[] {
  return (hostOf(result, host)?.routes ?? []).map((r: Route) => {
    const service = r.backends[0]?.backend.split('/')[1]?.split(':')[0] ?? '';
    const rewrite = r.filters.find((f) => f.type === 'URLRewrite');
    const path =
      rewrite?.type === 'URLRewrite' && rewrite.path !== undefined ? ` => ${rewrite.path.value}` : '';
    return `${r.match.path.type} ${r.match.path.value} -> ${service}${path}`;
  });
}

describe('use-regex and rewrite-target: paths and their order', () => {
  const cases: Array<{
    rule: string;
    ingresses: ReturnType<typeof ing>[];
    routes: string[];
    reasons?: string[];
  }> = [
    {
      rule: 'use-regex: ImplementationSpecific paths are case-insensitive regexes',
      ingresses: [ing('a', 'r.example', [['/foo/.*', 'ImplementationSpecific']], { 'use-regex': 'true' })],
      routes: ['Regex (?i)/foo/.* -> web'],
    },
    {
      rule: "ingress-path-matching.md's example: longest first, the regex spreads to the other Ingress's Prefix paths",
      ingresses: [
        ing('test-ingress-1', 't.example', [
          ['/foo/bar', 'Prefix', 'one'],
          ['/foo/bar/', 'Prefix', 'two'],
        ]),
        ing('test-ingress-2', 't.example', [['/foo/bar/(.+)', 'ImplementationSpecific', 'three']], {
          'rewrite-target': '/$1',
        }),
      ],
      // Prefix /foo/bar and /foo/bar/ are one Gatehouse route (the first Ingress's, service one):
      // ^/foo/bar/ and its Exact copy ^/foo/bar.
      routes: [
        'Regex (?i)/foo/bar/(.+) -> three => /$1',
        'Regex (?i)/foo/bar/ -> one',
        'Regex (?i)/foo/bar -> one',
      ],
      reasons: ['Ingress default/test-ingress-1 spec.rules[0].http.paths[1] RouteConflict'],
    },
    {
      rule: 'equal lengths: path descending, as ingress-nginx sorts its locations',
      ingresses: [
        ing(
          'a',
          'e.example',
          [
            ['/a.c', 'ImplementationSpecific', 'one'],
            ['/abc', 'ImplementationSpecific', 'two'],
          ],
          { 'use-regex': 'true' },
        ),
      ],
      routes: ['Regex (?i)/abc -> two', 'Regex (?i)/a.c -> one'],
    },
    {
      rule: 'Exact paths and the root under an enforced host become ^path; / gets no copy',
      ingresses: [
        ing('a', 'x.example', [['/api(/|$)(.*)', 'ImplementationSpecific', 'one']], { 'use-regex': 'true' }),
        ing('b', 'x.example', [
          ['/exact', 'Exact', 'two'],
          ['/', 'Prefix', 'three'],
        ]),
      ],
      routes: ['Regex (?i)/api(/|$)(.*) -> one', 'Regex (?i)/exact -> two', 'Regex (?i)/ -> three'],
    },
    {
      rule: 'a Prefix path with an Exact path of the same value on the host gets no Exact copy',
      ingresses: [
        ing('a', 'y.example', [['/x.*', 'ImplementationSpecific', 'one']], { 'use-regex': 'true' }),
        ing('b', 'y.example', [
          ['/p', 'Prefix', 'two'],
          ['/p', 'Exact', 'three'],
        ]),
      ],
      routes: ['Regex (?i)/x.* -> one', 'Regex (?i)/p/ -> two', 'Regex (?i)/p -> three'],
    },
    {
      rule: 'other hosts keep their Prefix paths',
      ingresses: [
        ing('a', 'r.example', [['/v.', 'ImplementationSpecific']], { 'use-regex': 'true' }),
        ing('b', 'plain.example', [['/foo', 'Prefix']]),
      ],
      routes: ['Regex (?i)/v. -> web'],
    },
    {
      rule: 'rewrite-target alone makes the paths regexes; a Prefix path of its own location is ^path',
      ingresses: [ing('a', 'w.example', [['/something', 'Prefix']], { 'rewrite-target': '/' })],
      routes: ['Regex (?i)/something -> web => /'],
    },
    {
      rule: 'use-regex false (or invalid) changes nothing',
      ingresses: [ing('a', 'n.example', [['/foo', 'Prefix']], { 'use-regex': 'false' })],
      routes: ['Prefix /foo -> web'],
    },
    {
      rule: 'a location whose path is the target is not rewritten (buildProxyPass)',
      ingresses: [
        ing(
          'a',
          's.example',
          [
            ['/same', 'ImplementationSpecific'],
            ['/(other)', 'ImplementationSpecific'],
          ],
          { 'use-regex': 'true', 'rewrite-target': '/same' },
        ),
      ],
      routes: ['Regex (?i)/(other) -> web => /same', 'Regex (?i)/same -> web'],
    },
    {
      rule: 'an invalid regex path is reported and left out; the rest is served',
      ingresses: [
        ing(
          'a',
          'i.example',
          [
            ['/(a', 'ImplementationSpecific'],
            ['/ok', 'ImplementationSpecific'],
          ],
          { 'use-regex': 'true' },
        ),
      ],
      routes: ['Regex (?i)/ok -> web'],
      reasons: ['Ingress default/a spec.rules[0].http.paths[0].path InvalidPath'],
    },
    {
      rule: 'a lookahead (backtracking only) is refused with the reason',
      ingresses: [
        ing(
          'a',
          'l.example',
          [
            ['/(?=x)', 'ImplementationSpecific'],
            ['/ok', 'ImplementationSpecific'],
          ],
          { 'use-regex': 'true' },
        ),
      ],
      routes: ['Regex (?i)/ok -> web'],
      reasons: ['Ingress default/a spec.rules[0].http.paths[0].path InvalidPath'],
    },
    {
      rule: "another Ingress's Prefix path that is no valid regex is reported on that Ingress",
      ingresses: [
        ing('a', 'q.example', [['/v.', 'ImplementationSpecific', 'one']], { 'use-regex': 'true' }),
        ing('b', 'q.example', [['/b(', 'Prefix', 'two']]),
      ],
      routes: ['Regex (?i)/v. -> one'],
      reasons: [
        'Ingress default/b spec.rules[0].http.paths[0].path InvalidPath',
        'Ingress default/b spec.rules[0].http.paths[0].path InvalidPath',
      ],
    },
  ];
  for (const c of cases) {
    it(c.rule, () => {
      const result = translate(...c.ingresses);
      const host = c.ingresses[0]?.spec?.rules?.[0]?.host ?? '';
      assert.deepEqual(routes(result, host), c.routes);
      assert.deepEqual(
        reasons(result).filter((r) => !r.includes('Annotation')),
        c.reasons ?? [],
      );
    });
  }
});

describe('rewrite-target values (rewrite/main.go, parser.RegexPathWithCapture)', () => {
  const cases: Array<[value: string, rewrite: string | undefined]> = [
    ['/$2', '/$2'],
    ['/v2/$1/$2', '/v2/$1/$2'],
    ['$1', '$1'],
    ['/', '/'],
    ['/a?b=1', undefined],
    ['/$host/$1', undefined],
    ['/a b', undefined],
    ['/{x}', undefined],
  ];
  for (const [value, rewrite] of cases) {
    it(`${JSON.stringify(value)} → ${rewrite ?? 'invalid, no rewrite'}`, () => {
      const result = translate(
        ing('a', 'v.example', [['/(.*)', 'ImplementationSpecific']], {
          'use-regex': 'true',
          'rewrite-target': value,
        }),
      );
      assert.deepEqual(routes(result, 'v.example'), [
        `Regex (?i)/(.*) -> web${rewrite === undefined ? '' : ` => ${rewrite}`}`,
      ]);
      const invalid = reasons(result).filter((r) => r.includes('InvalidAnnotation'));
      assert.equal(invalid.length, rewrite === undefined ? 1 : 0);
    });
  }

  it('with upstream-vhost, one URLRewrite carries both', () => {
    const result = translate(
      ing('a', 'h.example', [['/api/(.*)', 'ImplementationSpecific']], {
        'rewrite-target': '/$1',
        'upstream-vhost': 'inner.local',
      }),
    );
    const filters = hostOf(result, 'h.example')?.routes[0]?.filters ?? [];
    assert.deepEqual(
      filters.filter((f) => f.type === 'URLRewrite'),
      [{ type: 'URLRewrite', hostname: 'inner.local', path: { type: 'RegexSubstitution', value: '/$1' } }],
    );
  });
});
