import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePath } from './paths.ts';
import { ingress, reasons, run, service } from './testkit.ts';

describe('Ingress path types and normalisation', () => {
  const accepted: Array<[string, unknown, unknown, { type: string; value: string }]> = [
    [
      'Exact keeps the path as written, trailing slash included',
      '/foo/',
      'Exact',
      { type: 'Exact', value: '/foo/' },
    ],
    [
      'Prefix drops a trailing slash (element-wise matching ignores it)',
      '/foo/',
      'Prefix',
      { type: 'Prefix', value: '/foo' },
    ],
    ['Prefix "/" stays "/"', '/', 'Prefix', { type: 'Prefix', value: '/' }],
    [
      'ImplementationSpecific is treated as Prefix',
      '/foo/',
      'ImplementationSpecific',
      { type: 'Prefix', value: '/foo' },
    ],
    [
      'ImplementationSpecific without a path means "/"',
      undefined,
      'ImplementationSpecific',
      { type: 'Prefix', value: '/' },
    ],
    [
      'RFC 3986 sub-delims, ":", "@" and %-escapes are allowed',
      "/a:b@c!$&'()*+,;=~%41",
      'Exact',
      { type: 'Exact', value: "/a:b@c!$&'()*+,;=~%41" },
    ],
    [
      'a dot inside a segment is fine',
      '/v1.2/file.txt',
      'Prefix',
      { type: 'Prefix', value: '/v1.2/file.txt' },
    ],
  ];
  for (const [name, path, pathType, match] of accepted) {
    it(name, () => assert.deepEqual(normalisePath(path, pathType), { ok: true, match }));
  }

  const refused: Array<[string, unknown, unknown, string]> = [
    ['a path must start with "/"', 'foo', 'Prefix', 'InvalidPath'],
    ['Exact and Prefix need a path', undefined, 'Exact', 'InvalidPath'],
    ['"//" is refused', '/a//b', 'Prefix', 'InvalidPath'],
    ['a "/./" segment is refused', '/a/./b', 'Prefix', 'InvalidPath'],
    ['a "/../" segment is refused', '/a/../b', 'Exact', 'InvalidPath'],
    ['a trailing "/.." is refused', '/a/..', 'Prefix', 'InvalidPath'],
    ['an encoded slash "%2F" is refused', '/a%2Fb', 'Prefix', 'InvalidPath'],
    ['spaces are not URL path characters', '/a b', 'Prefix', 'InvalidPath'],
    ['a query string is not part of a path', '/a?b=1', 'Exact', 'InvalidPath'],
    ['a fragment is not part of a path', '/a#b', 'Exact', 'InvalidPath'],
    ['a broken %-escape is refused', '/a%zz', 'Exact', 'InvalidPath'],
    ['non-ASCII characters must be %-encoded', '/caf\u00e9', 'Exact', 'InvalidPath'],
    ['a path longer than 4096 characters is refused', `/${'a'.repeat(4096)}`, 'Prefix', 'InvalidPath'],
    ['an unknown pathType is refused', '/a', 'Regex', 'InvalidPathType'],
    ['a missing pathType is refused (required in networking.k8s.io/v1)', '/a', undefined, 'InvalidPathType'],
  ];
  for (const [name, path, pathType, reason] of refused) {
    it(name, () => {
      const check = normalisePath(path, pathType);
      assert.equal(check.ok, false);
      assert.equal(!check.ok && check.reason, reason);
    });
  }

  it('an invalid path is skipped with a diagnostic on its field; the other paths of the rule stay', () => {
    const paths = [
      {
        path: 'no-slash',
        pathType: 'Prefix' as const,
        backend: { service: { name: 'web', port: { number: 80 } } },
      },
      {
        path: '/ok',
        pathType: 'Prefix' as const,
        backend: { service: { name: 'web', port: { number: 80 } } },
      },
    ];
    const result = run({
      ingresses: [ingress('app', { rules: [{ host: 'example.com', http: { paths } }] })],
      services: [service('web')],
    });
    assert.deepEqual(reasons(result), ['Ingress default/app spec.rules[0].http.paths[0].path InvalidPath']);
    assert.deepEqual(
      result.table.hosts[0].routes.map((r) => [r.id, r.match.path.value]),
      [['ingress/default/app/rules/0/paths/1', '/ok']],
    );
  });
});
