// Where an upstream connection to an endpoint the API server did not vet (an ExternalName
// Service) may never go: the worker's own loopback and addresses (its admin port, its own
// listeners: a request loop), link-local (the cloud metadata service at 169.254.169.254) and
// the unspecified address (Linux connects 0.0.0.0 to the host itself). Checked on addresses, so
// callers check what a name resolved to when the connection is made (guarded-connect.ts).
import { BlockList, isIP } from 'node:net';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

export type RefusedClass = 'loopback' | 'link-local' | 'unspecified' | 'metadata' | 'own-address' | 'invalid';

/** The error code of a refused connection: an upstream error of reason `refused_address`, answered 502. */
export const REFUSED_ADDRESS = 'GATEHOUSE_REFUSED_ADDRESS';

export class RefusedAddressError extends Error {
  readonly code = REFUSED_ADDRESS;
  /** The endpoint as the table names it. */
  readonly host: string;
  /** The address it resolved to (or was). */
  readonly address: string;
  readonly refused: RefusedClass;

  constructor(host: string, address: string, refused: RefusedClass) {
    super(
      `upstream ${host} is ${address === host ? '' : `${address}, `}a ${refused} address: connection refused`,
    );
    this.host = host;
    this.address = address;
    this.refused = refused;
  }
}

type Range = readonly [address: string, prefix: number];

const IPV4: ReadonlyArray<readonly [RefusedClass, Range[]]> = [
  ['loopback', [['127.0.0.0', 8]]], // RFC 1122 §3.2.1.3
  ['link-local', [['169.254.0.0', 16]]], // RFC 3927; the metadata service of AWS, GCP, Azure, OCI
  ['unspecified', [['0.0.0.0', 8]]], // "this host on this network", RFC 1122 §3.2.1.3
  ['metadata', [['100.100.100.200', 32]]], // Alibaba Cloud's metadata service, in shared space
];

const IPV6: ReadonlyArray<readonly [RefusedClass, Range[]]> = [
  ['loopback', [['::1', 128]]],
  ['link-local', [['fe80::', 10]]],
  ['unspecified', [['::', 128]]],
  ['metadata', [['fd00:ec2::254', 128]]], // AWS's instance metadata over IPv6
];

/**
 * IPv6 prefixes whose last 32 bits carry an IPv4 address: IPv4-mapped (RFC 4291 §2.5.5.2),
 * IPv4-compatible (deprecated, §2.5.5.1) and NAT64's well-known prefix (RFC 6052). An IPv4 range
 * is refused in each of these forms too: `::ffff:127.0.0.1` is loopback.
 */
const EMBEDDING = ['::ffff:', '::', '64:ff9b::'];

function addIpv4(list: BlockList, address: string, prefix: number): void {
  list.addSubnet(address, prefix, 'ipv4');
  for (const embedding of EMBEDDING) list.addSubnet(`${embedding}${address}`, 96 + prefix, 'ipv6');
}

/** One BlockList per class, in the order a refusal is named (loopback before unspecified for ::1). */
const CLASSES: ReadonlyArray<readonly [RefusedClass, BlockList]> = (() => {
  const lists = new Map<RefusedClass, BlockList>();
  const listOf = (c: RefusedClass): BlockList => {
    let list = lists.get(c);
    if (list === undefined) {
      list = new BlockList();
      lists.set(c, list);
    }
    return list;
  };
  for (const [c, ranges] of IPV6) for (const [a, p] of ranges) listOf(c).addSubnet(a, p, 'ipv6');
  for (const [c, ranges] of IPV4) for (const [a, p] of ranges) addIpv4(listOf(c), a, p);
  return [...lists];
})();

export interface AddressGuardOptions {
  /** The worker's interfaces; os.networkInterfaces() unless a test says otherwise. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** Classifies addresses as refused (and why) or allowed. One per worker, shared by all its pools. */
export class AddressGuard {
  readonly #interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** The worker's own addresses; undefined until read again after refresh(). */
  #own: BlockList | undefined = undefined;
  #ownRead: BlockList = new BlockList();
  /** Told of the first refusal of each host and address since the last refresh(): the worker logs it. */
  onRefused: ((error: RefusedAddressError) => void) | undefined = undefined;
  readonly #reported = new Set<string>();

  constructor(options: AddressGuardOptions = {}) {
    this.#interfaces = options.interfaces ?? networkInterfaces;
  }

  /**
   * The own addresses are read at the next check, not now: the worker calls this on every table,
   * which costs nothing while no ExternalName connection is made. A pod's addresses rarely change;
   * reading them per table (not per connection) keeps getifaddrs off the connect path.
   */
  refresh(): void {
    this.#own = undefined;
    this.#reported.clear();
  }

  /** A connection was refused. Each request retries it, so only the first is passed on (bounded). */
  report(error: RefusedAddressError): void {
    const key = `${error.host} ${error.address}`;
    if (this.#reported.has(key) || this.#reported.size >= 1024) return;
    this.#reported.add(key);
    this.onRefused?.(error);
  }

  /** Why a connection to `address` (an IP literal, optionally with a zone) is refused; undefined when allowed. */
  classify(address: string): RefusedClass | undefined {
    const zone = address.indexOf('%');
    const plain = zone === -1 ? address : address.slice(0, zone);
    const family = isIP(plain);
    if (family === 0) return 'invalid';
    const type = family === 4 ? 'ipv4' : 'ipv6';
    for (const [refused, list] of CLASSES) if (list.check(plain, type)) return refused;
    if (this.#ownAddresses().check(plain, type)) return 'own-address';
    return undefined;
  }

  #ownAddresses(): BlockList {
    if (this.#own !== undefined) return this.#own;
    try {
      const own = new BlockList();
      for (const list of Object.values(this.#interfaces())) {
        for (const info of list ?? []) {
          const zone = info.address.indexOf('%');
          const address = zone === -1 ? info.address : info.address.slice(0, zone);
          const family = isIP(address);
          if (family === 4) addIpv4(own, address, 32);
          else if (family === 6) own.addAddress(address, 'ipv6');
        }
      }
      this.#ownRead = own;
    } catch {
      // The interface list could not be read: keep what was read last rather than allow everything.
    }
    this.#own = this.#ownRead;
    return this.#own;
  }
}
