import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseHost } from './hosts.ts';
import { hostOf, ingress, reasons, rule, run, service } from './testkit.ts';

describe('Ingress hosts', () => {
  const valid: Array<[string, unknown, string]> = [
    ['a DNS name is kept', 'example.com', 'example.com'],
    ['hosts are lower-cased', 'WWW.Example.COM', 'www.example.com'],
    ['a wildcard is "*." plus a DNS name', '*.example.com', '*.example.com'],
    ['a single-label host is a valid subdomain', 'localhost', 'localhost'],
    ['a rule without host is the catch-all "*"', undefined, '*'],
    ['an empty host is the catch-all "*"', '', '*'],
    ['a 63-character label is allowed', `${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ];
  for (const [name, raw, expected] of valid) {
    it(name, () => assert.deepEqual(normaliseHost(raw), { ok: true, host: expected }));
  }

  const invalid: Array<[string, unknown]> = [
    ['an IPv4 address is not a host (the API forbids IPs)', '10.0.0.1'],
    ['an IPv6 address is not a host', '[::1]'],
    ['a host with a port is refused', 'example.com:8080'],
    ['a wildcard in the middle is refused', 'foo.*.example.com'],
    ['a bare "*" is refused (omit host for catch-all)', '*'],
    ['a double wildcard is refused', '*.*.example.com'],
    ['a trailing dot is refused', 'example.com.'],
    ['underscores are refused', 'my_host.example.com'],
    ['a label longer than 63 characters is refused', `${'a'.repeat(64)}.com`],
    ['a label may not start with "-"', '-a.example.com'],
    ['a host longer than 253 characters is refused', `${'a.'.repeat(127)}com`],
    ['a non-string host is refused', 42],
  ];
  for (const [name, raw] of invalid) {
    it(name, () => assert.equal(normaliseHost(raw).ok, false));
  }

  it('an invalid host skips its rule with an InvalidHost diagnostic while other rules keep working', () => {
    const result = run({
      ingresses: [ingress('app', { rules: [rule('10.0.0.1', ['/']), rule('Good.Example.com', ['/'])] })],
      services: [service('web')],
    });
    assert.deepEqual(
      result.table.hosts.map((h) => h.host),
      ['good.example.com'],
    );
    assert.deepEqual(reasons(result), ['Ingress default/app spec.rules[0].host InvalidHost']);
  });

  it('a wildcard host is emitted as written ("*.example.com"); matching one label is the router\'s job', () => {
    const result = run({
      ingresses: [ingress('app', { rules: [rule('*.Example.com', ['/'])] })],
      services: [service('web')],
    });
    assert.equal(hostOf(result, '*.example.com').routes.length, 1);
  });

  it('rules without a host go under host "*"', () => {
    const result = run({
      ingresses: [ingress('app', { rules: [rule(undefined, ['/api'])] })],
      services: [service('web')],
    });
    assert.deepEqual(
      hostOf(result, '*').routes.map((r) => r.match.path.value),
      ['/api'],
    );
  });
});
