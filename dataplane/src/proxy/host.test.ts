import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasRepeatedHost, isValidHost } from './host.ts';

const valid: Array<[string, string]> = [
  ['a DNS name', 'shop.example.com'],
  ['upper case (hosts are case-insensitive)', 'SHOP.Example.COM'],
  ['a single label', 'localhost'],
  ['a name and a port', 'shop.example.com:8080'],
  ['a trailing dot (a fully qualified name)', 'shop.example.com.'],
  ['a trailing dot and a port', 'shop.example.com.:80'],
  ['an IDN in its ASCII form', 'xn--bcher-kva.example'],
  ['an underscore and a hyphen', '_acme-challenge.my-shop.example'],
  ['an IPv4 address', '127.0.0.1'],
  ['an IPv4 address and a port', '192.0.2.1:443'],
  ['an IPv6 literal', '[::1]'],
  ['an IPv6 literal and a port', '[2001:db8::1]:8443'],
  ['an IPv6 literal with an embedded IPv4 address', '[::ffff:192.0.2.1]'],
  ['an empty port (port = *DIGIT)', 'shop.example.com:'],
  ['sub-delims, which reg-name allows', "a!$&'()*+,;=b.example"],
  ['a pct-encoded octet', 'ex%41mple.com'],
];

const invalid: Array<[string, string]> = [
  ['an empty value', ''],
  ['a slash', 'evil/x.example.com'],
  ['a trailing slash', 'shop.example.com/'],
  ['a backslash', 'evil\\x.example.com'],
  ['a query', 'shop.example.com?x'],
  ['a fragment', 'shop.example.com#x'],
  ['userinfo', 'user@shop.example.com'],
  ['a space', 'shop example.com'],
  ['a tab', 'shop\texample.com'],
  ['a NUL', 'shop\0.example.com'],
  ['DEL', 'shop\x7f.example.com'],
  ['a non-ASCII character', 'bücher.example'],
  ['two dots in a row', 'shop..example.com'],
  ['a leading dot', '.example.com'],
  ['a lone dot', '.'],
  ['two dots', '..'],
  ['a port only', ':80'],
  ['two ports', 'shop.example.com:80:81'],
  ['a port that is not digits', 'shop.example.com:8a'],
  ['a negative port', 'shop.example.com:-1'],
  ['a % without two hex digits', 'exa%mple.com'],
  ['a % with one hex digit and a non-hex one', 'ex%4gmple.com'],
  ['a % at the end', 'example.com%4'],
  ['an unclosed IPv6 literal', '[::1'],
  ['an empty IP literal', '[]'],
  ['an IP literal that is not IPv6', '[not:an:address]'],
  ['an IPv4 address in brackets', '[127.0.0.1]'],
  ['an IPv6 zone identifier', '[fe80::1%25eth0]'],
  ['IPvFuture', '[v1.fe80]'],
  ['text after an IPv6 literal', '[::1]x'],
  ['a second closing bracket', '[::1]]'],
  ['a port that is not digits after an IPv6 literal', '[::1]:x'],
  ['an IPv6 address without brackets', '::1'],
];

describe('isValidHost: a Host header is uri-host [":" port] (RFC 9110 §7.2, RFC 3986 §3.2.2)', () => {
  for (const [what, host] of valid) {
    test(`accepts ${what}: ${JSON.stringify(host)}`, () => {
      assert.equal(isValidHost(host), true);
    });
  }
  for (const [what, host] of invalid) {
    test(`refuses ${what}: ${JSON.stringify(host)}`, () => {
      assert.equal(isValidHost(host), false);
    });
  }
});

test('a Host field line given twice, in any case, is repeated; one is not', () => {
  assert.equal(hasRepeatedHost(['Host', 'a.test', 'accept', '*/*']), false);
  assert.equal(hasRepeatedHost(['accept', '*/*']), false);
  assert.equal(hasRepeatedHost(['Host', 'a.test', 'HOST', 'b.test']), true);
  assert.equal(hasRepeatedHost(['host', 'a.test', 'hosts', 'x', 'x-host', 'y']), false);
});
