// Route.clientAccess, nginx's ngx_http_access_module: ordered allow/deny rules on the client address
// (the peer, or the address --trusted-proxies vouch for: forwarding.ts clientView). Each rule's CIDRs
// become one node:net BlockList when the table is compiled; a request only asks them.
import { BlockList, isIP } from 'node:net';
import { isAddressOrCidr } from '../table/cidr.ts';
import type { ClientAccess } from '../table/types.ts';
import { plainAddress } from './forwarding.ts';

export interface CompiledClientAccess {
  readonly rules: readonly { readonly allow: boolean; readonly list: BlockList }[];
  readonly otherwise: boolean;
}

/** Fails closed: a rule whose CIDR Node cannot read refuses every client (and says why). */
const DENY_ALL: CompiledClientAccess = { rules: [], otherwise: false };

/**
 * One BlockList per rule. `cache` shares the compiled form between the routes of one table that
 * carry the same rules (all the paths of one Ingress do). `problems` collects unreadable CIDRs.
 */
export function compileClientAccess(
  access: ClientAccess | undefined,
  cache: Map<string, CompiledClientAccess>,
  problems: string[],
): CompiledClientAccess | undefined {
  if (access === undefined) return undefined;
  const key = JSON.stringify(access);
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = build(access, problems);
    cache.set(key, compiled);
  }
  return compiled;
}

function build(access: ClientAccess, problems: string[]): CompiledClientAccess {
  const rules: { allow: boolean; list: BlockList }[] = [];
  for (const rule of access.rules) {
    const list = new BlockList();
    for (const cidr of rule.cidrs) {
      try {
        // The table's pattern lets through text that is no address (`1.2.3`): checked as translation does.
        if (!isAddressOrCidr(cidr)) throw new RangeError(cidr);
        addCidr(list, cidr);
      } catch {
        problems.push(
          `client access: ${JSON.stringify(cidr)} is not an IP address or CIDR; every client is refused`,
        );
        return DENY_ALL;
      }
    }
    rules.push({ allow: rule.action === 'allow', list });
  }
  return { rules, otherwise: access.otherwise === 'allow' };
}

/** `a.b.c.d`, `a.b.c.d/n`, `x::y`, `x::y/n` (checked before); host bits past the prefix are ignored, as Go's ParseCIDR and nginx do. */
function addCidr(list: BlockList, cidr: string): void {
  const slash = cidr.indexOf('/');
  const address = slash === -1 ? cidr : cidr.slice(0, slash);
  const type = address.includes(':') ? 'ipv6' : 'ipv4';
  if (slash === -1) {
    list.addAddress(address, type);
    return;
  }
  list.addSubnet(address, Number(cidr.slice(slash + 1)), type);
}

/**
 * Whether the client at `address` may use the route: the first rule containing it decides, else
 * `otherwise`. An IPv4-mapped IPv6 address is checked as IPv4 (nginx's access module does the
 * same). Text that is no address (a trusted proxy's odd X-Forwarded-For) is refused: fail closed.
 */
export function clientAllowed(access: CompiledClientAccess, address: string): boolean {
  const plain = plainAddress(address);
  const version = isIP(plain);
  if (version === 0) return false;
  const type = version === 6 ? 'ipv6' : 'ipv4';
  const rules = access.rules;
  for (let i = 0; i < rules.length; i++) {
    if (rules[i].list.check(plain, type)) return rules[i].allow;
  }
  return access.otherwise;
}
