// What a ClientAccess rule may hold: the addresses and CIDRs the worker's node:net BlockList reads
// (proxy/client-access.ts). The controller checks with the same parser before writing a table.
import { isIP } from 'node:net';

/** `a.b.c.d`, `a.b.c.d/0-32`, an IPv6 address, or one with `/0-128`; no zones, no leading zeros. */
export function isAddressOrCidr(text: string): boolean {
  // A zone (`fe80::1%eth0`) names an interface of one host: Go's ParseIP refuses it, and so do we.
  if (text.includes('%')) return false;
  const slash = text.indexOf('/');
  const version = isIP(slash === -1 ? text : text.slice(0, slash));
  if (version === 0) return false;
  if (slash === -1) return true;
  const prefix = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 6 ? 128 : 32);
}
