import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PathMatchType } from '../table/types.ts';
import { compileRouter, lookup } from './router.ts';
import { bindId, host, route, table } from './test-table.ts';

type Paths = Array<[PathMatchType, string]>;

/** The rules of one host, route ids p0, p1… in the order given; the payload is the id. */
function matchOn(paths: Paths, request: string): string | undefined {
  const routes = paths.map(([type, value], i) => route(`p${i}`, type, value));
  const router = compileRouter(table([host('example.com', routes)]), bindId);
  return router.host('example.com')?.match(request, 'GET', {}, undefined);
}

// Kubernetes documentation, Ingress › "Examples" of path matching, row by row.
const kubernetesExamples: Array<{ rule: string; paths: Paths; request: string; expect: string | undefined }> =
  [
    {
      rule: 'Prefix / matches every path',
      paths: [['Prefix', '/']],
      request: '/anything/at/all',
      expect: 'p0',
    },
    { rule: 'Exact /foo matches /foo', paths: [['Exact', '/foo']], request: '/foo', expect: 'p0' },
    {
      rule: 'Exact /foo does not match /bar',
      paths: [['Exact', '/foo']],
      request: '/bar',
      expect: undefined,
    },
    {
      rule: 'Exact /foo does not match /foo/',
      paths: [['Exact', '/foo']],
      request: '/foo/',
      expect: undefined,
    },
    {
      rule: 'Exact /foo/ does not match /foo',
      paths: [['Exact', '/foo/']],
      request: '/foo',
      expect: undefined,
    },
    { rule: 'Prefix /foo matches /foo', paths: [['Prefix', '/foo']], request: '/foo', expect: 'p0' },
    { rule: 'Prefix /foo matches /foo/', paths: [['Prefix', '/foo']], request: '/foo/', expect: 'p0' },
    { rule: 'Prefix /foo/ matches /foo', paths: [['Prefix', '/foo/']], request: '/foo', expect: 'p0' },
    { rule: 'Prefix /foo/ matches /foo/', paths: [['Prefix', '/foo/']], request: '/foo/', expect: 'p0' },
    {
      rule: 'Prefix /aaa/bb does not match /aaa/bbb',
      paths: [['Prefix', '/aaa/bb']],
      request: '/aaa/bbb',
      expect: undefined,
    },
    {
      rule: 'Prefix /aaa/bbb matches /aaa/bbb',
      paths: [['Prefix', '/aaa/bbb']],
      request: '/aaa/bbb',
      expect: 'p0',
    },
    {
      rule: 'Prefix /aaa/bbb/ matches /aaa/bbb, ignoring the trailing slash',
      paths: [['Prefix', '/aaa/bbb/']],
      request: '/aaa/bbb',
      expect: 'p0',
    },
    {
      rule: 'Prefix /aaa/bbb matches /aaa/bbb/, the trailing slash of the request',
      paths: [['Prefix', '/aaa/bbb']],
      request: '/aaa/bbb/',
      expect: 'p0',
    },
    {
      rule: 'Prefix /aaa/bbb matches the subpath /aaa/bbb/ccc',
      paths: [['Prefix', '/aaa/bbb']],
      request: '/aaa/bbb/ccc',
      expect: 'p0',
    },
    {
      rule: 'Prefix /aaa/bbb does not match the string prefix /aaa/bbbxyz',
      paths: [['Prefix', '/aaa/bbb']],
      request: '/aaa/bbbxyz',
      expect: undefined,
    },
    {
      rule: 'Prefixes / and /aaa: /aaa/ccc takes /aaa',
      paths: [
        ['Prefix', '/'],
        ['Prefix', '/aaa'],
      ],
      request: '/aaa/ccc',
      expect: 'p1',
    },
    {
      rule: 'Prefixes /, /aaa and /aaa/bbb: /aaa/bbb takes /aaa/bbb',
      paths: [
        ['Prefix', '/'],
        ['Prefix', '/aaa'],
        ['Prefix', '/aaa/bbb'],
      ],
      request: '/aaa/bbb',
      expect: 'p2',
    },
    {
      rule: 'Prefixes /, /aaa and /aaa/bbb: /ccc takes /',
      paths: [
        ['Prefix', '/'],
        ['Prefix', '/aaa'],
        ['Prefix', '/aaa/bbb'],
      ],
      request: '/ccc',
      expect: 'p0',
    },
    {
      rule: 'Prefix /aaa does not match /ccc (default backend)',
      paths: [['Prefix', '/aaa']],
      request: '/ccc',
      expect: undefined,
    },
    {
      rule: 'Prefix /foo and Exact /foo: /foo prefers Exact',
      paths: [
        ['Prefix', '/foo'],
        ['Exact', '/foo'],
      ],
      request: '/foo',
      expect: 'p1',
    },
  ];

describe('Kubernetes Ingress path examples', () => {
  for (const c of kubernetesExamples) {
    test(c.rule, () => assert.equal(matchOn(c.paths, c.request), c.expect));
  }
});

describe('path precedence', () => {
  const cases: Array<{ rule: string; paths: Paths; request: string; expect: string | undefined }> = [
    {
      rule: 'the longest matching Prefix wins whatever the table order',
      paths: [
        ['Prefix', '/a/b/c'],
        ['Prefix', '/a'],
        ['Prefix', '/a/b'],
      ],
      request: '/a/b/x',
      expect: 'p2',
    },
    {
      rule: 'Exact beats a longer-valued Prefix that cannot match',
      paths: [
        ['Prefix', '/foo/bar'],
        ['Exact', '/foo'],
      ],
      request: '/foo',
      expect: 'p1',
    },
    {
      rule: 'at the same path and type the first route in table order wins',
      paths: [
        ['Prefix', '/same'],
        ['Prefix', '/same/'],
      ],
      request: '/same/x',
      expect: 'p0',
    },
    { rule: 'matching is case-sensitive', paths: [['Prefix', '/Foo']], request: '/foo', expect: undefined },
  ];
  for (const c of cases) {
    test(c.rule, () => assert.equal(matchOn(c.paths, c.request), c.expect));
  }
});

describe('path normalisation before matching', () => {
  const cases: Array<{ rule: string; paths: Paths; request: string; expect: string | undefined }> = [
    {
      rule: '/public/../admin cannot match Prefix /public',
      paths: [
        ['Prefix', '/public'],
        ['Prefix', '/admin'],
      ],
      request: '/public/../admin',
      expect: 'p1',
    },
    {
      rule: 'an encoded dot-segment /public/%2e%2e/admin cannot match Prefix /public',
      paths: [['Prefix', '/public']],
      request: '/public/%2e%2E/admin',
      expect: undefined,
    },
    {
      rule: 'doubled slashes collapse: //foo//bar matches Exact /foo/bar',
      paths: [['Exact', '/foo/bar']],
      request: '//foo//bar',
      expect: 'p0',
    },
    {
      rule: 'a ./ segment is dropped: /foo/./bar matches Exact /foo/bar',
      paths: [['Exact', '/foo/bar']],
      request: '/foo/./bar',
      expect: 'p0',
    },
    {
      rule: 'an encoded unreserved character matches its plain form',
      paths: [['Exact', '/~user']],
      request: '/%7Euser',
      expect: 'p0',
    },
    {
      rule: 'an encoded slash stays data: /a%2Fb is one segment and does not match Prefix /a',
      paths: [['Prefix', '/a']],
      request: '/a%2Fb',
      expect: undefined,
    },
    {
      rule: 'route values are normalised too: Exact /a/./b matches /a/b',
      paths: [['Exact', '/a/./b']],
      request: '/a/b',
      expect: 'p0',
    },
    {
      rule: 'a target not starting with / matches no path route',
      paths: [['Prefix', '/']],
      request: '*',
      expect: undefined,
    },
  ];
  for (const c of cases) {
    test(c.rule, () => assert.equal(matchOn(c.paths, c.request), c.expect));
  }
});

describe('fallback and default route', () => {
  const t = table(
    [
      host('with-fallback.test', [route('api', 'Prefix', '/api')], route('fb', 'Prefix', '/')),
      host('plain.test', [route('web', 'Prefix', '/web')]),
    ],
    route('default', 'Prefix', '/'),
  );
  const router = compileRouter(t, bindId);
  const cases: Array<[string, string, string | undefined]> = [
    ['with-fallback.test', '/api/x', 'api'],
    ['with-fallback.test', '/other', 'fb'],
    ['plain.test', '/other', 'default'],
    ['unknown.test', '/web', 'default'],
  ];
  for (const [hostName, path, expect] of cases) {
    test(`a request to ${hostName}${path} goes to ${expect}: route, else host fallback, else table default`, () => {
      assert.equal(lookup(router, hostName, path, 'GET', {}, undefined), expect);
    });
  }

  test('bind runs once per kept route, fallbacks with their host and the default with no host', () => {
    const calls: Array<[string, string | undefined]> = [];
    compileRouter(t, (r, h) => calls.push([r.id, h?.host]));
    assert.deepEqual(calls, [
      ['api', 'with-fallback.test'],
      ['fb', 'with-fallback.test'],
      ['web', 'plain.test'],
      ['default', undefined],
    ]);
  });
});
