import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAddressOrCidr } from './cidr.ts';

test('cidr: addresses and CIDRs of both families', () => {
  for (const ok of [
    '10.0.0.1',
    '10.0.0.0/8',
    '0.0.0.0/0',
    '10.1.2.3/16',
    '2001:db8::/32',
    '::1',
    '::ffff:10.0.0.1',
    '::/0',
  ]) {
    assert.equal(isAddressOrCidr(ok), true, ok);
  }
  for (const bad of [
    '',
    '10.0.0',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0.0/',
    '10.0.0.0/-1',
    'a.b.c.d',
    '010.0.0.1',
    'fe80::1%eth0',
    '10.0.0.0/8/8',
    ' 10.0.0.1',
    'example.com',
  ]) {
    assert.equal(isAddressOrCidr(bad), false, bad);
  }
});
