import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostKey } from './host.ts';
import { compileRouter } from './router.ts';
import { bindId, host, route, table } from './test-table.ts';

// Each host entry has one Prefix / route named after the entry, so the answer names the entry.
const router = compileRouter(
  table([
    host('example.com', [route('exact', 'Prefix', '/')]),
    host('*.example.com', [route('wildcard', 'Prefix', '/')]),
    host('api.example.com', [route('api', 'Prefix', '/')]),
    host('*', [route('catch-all', 'Prefix', '/')]),
  ]),
  bindId,
);

function entryFor(hostHeader: string | undefined): string | undefined {
  return router.host(hostHeader)?.match('/', 'GET', {}, undefined);
}

describe('host matching', () => {
  const cases: Array<[rule: string, header: string | undefined, expect: string]> = [
    ['an exact host matches itself', 'example.com', 'exact'],
    ['host matching is case-insensitive', 'ExAmPlE.CoM', 'exact'],
    ['the port is stripped', 'example.com:8080', 'exact'],
    ['a trailing dot is ignored', 'example.com.', 'exact'],
    ['a trailing dot before the port is ignored', 'EXAMPLE.com.:443', 'exact'],
    ['*.example.com matches one extra label', 'www.example.com', 'wildcard'],
    [
      '*.example.com matches one extra label, case-insensitively and with a port',
      'WWW.Example.com:80',
      'wildcard',
    ],
    ['*.example.com does not match two extra labels (falls to *)', 'a.b.example.com', 'catch-all'],
    ['*.example.com does not match an empty first label', '.example.com', 'catch-all'],
    ['an exact host beats a wildcard that also matches', 'api.example.com', 'api'],
    ['an unknown host takes the * catch-all', 'other.org', 'catch-all'],
    ['an IPv6 literal with a port takes the * catch-all', '[::1]:8443', 'catch-all'],
    ['an IPv4 address takes the * catch-all', '127.0.0.1:80', 'catch-all'],
    ['a missing Host header takes the * catch-all', undefined, 'catch-all'],
    ['an empty Host header takes the * catch-all', '', 'catch-all'],
  ];
  for (const [rule, header, expect] of cases) test(rule, () => assert.equal(entryFor(header), expect));

  test('*.example.com does not match example.com itself', () => {
    const wildOnly = compileRouter(
      table([host('*.example.com', [route('wildcard', 'Prefix', '/')])]),
      bindId,
    );
    assert.equal(wildOnly.host('example.com'), undefined);
    assert.equal(wildOnly.host('x.example.com')?.entry.host, '*.example.com');
  });

  test('without a * entry an unknown host has no host entry', () => {
    const noCatchAll = compileRouter(table([host('example.com', [])]), bindId);
    assert.equal(noCatchAll.host('other.org'), undefined);
  });

  test('a host entry that matches no path does not fall through to the * entry', () => {
    const r = compileRouter(
      table([
        host('example.com', [route('api', 'Prefix', '/api')]),
        host('*', [route('catch-all', 'Prefix', '/')]),
      ]),
      bindId,
    );
    assert.equal(r.host('example.com')?.match('/web', 'GET', {}, undefined), undefined);
  });

  test('a host repeated in the table keeps the first entry and reports the second', () => {
    const r = compileRouter(
      table([
        host('example.com', [route('first', 'Prefix', '/')]),
        host('example.com', [route('second', 'Prefix', '/')]),
      ]),
      bindId,
    );
    assert.equal(r.host('example.com')?.match('/', 'GET', {}, undefined), 'first');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0].message, /appears twice/);
  });
});

describe('hostKey', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['example.com', 'example.com'],
    ['Example.COM:8080', 'example.com'],
    ['[2001:DB8::1]:8080', '[2001:db8::1]'],
    ['[::1]', '[::1]'],
    ['[::1', undefined],
    [':8080', undefined],
    [undefined, undefined],
  ];
  for (const [raw, expect] of cases) {
    test(`${JSON.stringify(raw)} is looked up as ${JSON.stringify(expect)}`, () =>
      assert.equal(hostKey(raw), expect));
  }

  test('an already normal host is returned as is, without a copy', () => {
    const raw = 'already.normal.example';
    assert.equal(hostKey(raw), raw);
  });
});
