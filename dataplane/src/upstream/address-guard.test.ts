import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, it } from 'node:test';
import { AddressGuard, type RefusedClass } from './address-guard.ts';

/** A machine with one interface holding `addresses` (besides loopback). */
function interfaces(addresses: string[]): () => NodeJS.Dict<NetworkInterfaceInfo[]> {
  return () => ({
    eth0: addresses.map(
      (address) =>
        ({
          address,
          family: address.includes(':') ? 'IPv6' : 'IPv4',
          internal: false,
        }) as NetworkInterfaceInfo,
    ),
  });
}

describe('upstream address guard: where an ExternalName connection may never go', () => {
  const guard = new AddressGuard({ interfaces: interfaces(['10.1.2.3', 'fd12::3']) });

  const cases: Array<[string, RefusedClass | undefined, string]> = [
    ['127.0.0.1', 'loopback', 'the pod itself: its admin port, its own listeners'],
    ['127.255.255.254', 'loopback', 'all of 127/8 is loopback (RFC 1122 §3.2.1.3)'],
    ['::1', 'loopback', 'IPv6 loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback', 'IPv6 loopback written out'],
    ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'loopback', 'IPv4-mapped loopback in hex'],
    ['::127.0.0.1', 'loopback', 'IPv4-compatible loopback (deprecated form)'],
    ['64:ff9b::7f00:1', 'loopback', 'loopback behind the NAT64 well-known prefix'],
    ['169.254.169.254', 'link-local', 'the cloud metadata service'],
    ['169.254.0.1', 'link-local', 'all of 169.254/16'],
    ['::ffff:169.254.169.254', 'link-local', 'IPv4-mapped metadata address'],
    ['fe80::1', 'link-local', 'IPv6 link-local'],
    ['fe80::1%eth0', 'link-local', 'IPv6 link-local with a zone'],
    ['febf:ffff::1', 'link-local', 'the top of fe80::/10'],
    ['0.0.0.0', 'unspecified', 'Linux connects 0.0.0.0 to the host itself'],
    ['0.1.2.3', 'unspecified', '0/8 is "this network" (RFC 1122)'],
    ['::', 'unspecified', 'IPv6 unspecified'],
    ['::ffff:0.0.0.0', 'unspecified', 'IPv4-mapped unspecified'],
    ['fd00:ec2::254', 'metadata', "AWS's IPv6 instance metadata address"],
    ['100.100.100.200', 'metadata', "Alibaba Cloud's metadata address"],
    ['10.1.2.3', 'own-address', "the pod's own IPv4 address"],
    ['::ffff:10.1.2.3', 'own-address', "the pod's own IPv4 address, IPv4-mapped"],
    ['fd12::3', 'own-address', "the pod's own IPv6 address"],
    ['localhost', 'invalid', 'a name is never an address: resolve it first'],
    ['10.0.0.1', undefined, 'another pod or a private service'],
    ['192.0.2.10', undefined, 'a documentation address'],
    ['100.64.0.1', undefined, 'shared address space other than the metadata address'],
    ['2001:db8::1', undefined, 'a global IPv6 address'],
    ['fd00::1', undefined, 'a unique-local IPv6 address'],
    ['fec0::1', undefined, 'just past fe80::/10'],
    ['::ffff:10.0.0.1', undefined, 'an IPv4-mapped private address'],
  ];
  for (const [address, expected, why] of cases) {
    it(`${address} is ${expected === undefined ? 'allowed' : `refused as ${expected}`}: ${why}`, () => {
      assert.equal(guard.classify(address), expected);
    });
  }

  it("the pod's own addresses are read again after refresh(), not once for ever", () => {
    let current = ['10.9.9.9'];
    const moving = new AddressGuard({ interfaces: () => interfaces(current)() });
    assert.equal(moving.classify('10.9.9.9'), 'own-address');
    current = ['10.8.8.8'];
    assert.equal(moving.classify('10.8.8.8'), undefined, 'read once, until the next refresh');
    moving.refresh();
    assert.equal(moving.classify('10.8.8.8'), 'own-address');
    assert.equal(moving.classify('10.9.9.9'), undefined);
  });

  it('an interface list that cannot be read keeps the addresses read before', () => {
    let fail = false;
    const flaky = new AddressGuard({
      interfaces: () => {
        if (fail) throw new Error('getifaddrs failed');
        return interfaces(['10.7.7.7'])();
      },
    });
    assert.equal(flaky.classify('10.7.7.7'), 'own-address');
    fail = true;
    flaky.refresh();
    assert.equal(flaky.classify('10.7.7.7'), 'own-address');
  });

  it("by default the worker's real interfaces count: loopback and every address they hold", async () => {
    const { networkInterfaces } = await import('node:os');
    const real = new AddressGuard();
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) assert.notEqual(real.classify(info.address), undefined, info.address);
    }
  });
});
