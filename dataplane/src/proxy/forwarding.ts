// The request headers sent upstream: the client's headers less hop-by-hop ones, plus the
// forwarding headers README.md documents. X-Forwarded-* from the client are believed only when the
// peer is a trusted proxy (--trusted-proxies); otherwise the peer's own address is the truth.
// With --proxy-protocol the peer is the address the balancer's PROXY header named (proxy-protocol/
// gate.ts): the balancer's trust is spent on that header, as nginx's set_real_ip_from applies to
// the proxy with real_ip_header proxy_protocol, so the named client's own X-Forwarded-* is believed
// only if it is itself in --trusted-proxies (a proxy behind the balancer).
import { randomUUID } from 'node:crypto';
import type { BlockList } from 'node:net';
import { deleteHopByHop, isHopByHop } from './hop-by-hop.ts';

export interface Listener {
  proto: 'http' | 'https';
  port: string;
}

/** What the proxy believes about the client, after applying the trust rules. */
export interface ClientView {
  /** The client's address: the peer, or (from a trusted peer) the last untrusted X-Forwarded-For hop. */
  address: string;
  forwardedFor: string;
  proto: string;
  host: string;
  port: string;
  requestId: string;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/** Strip an IPv4-mapped IPv6 prefix so `::ffff:10.0.0.1` matches an IPv4 CIDR. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function isTrusted(trusted: BlockList | undefined, address: string): boolean {
  if (trusted === undefined || address === '') return false;
  try {
    return trusted.check(address, family(address));
  } catch {
    return false;
  }
}

export function clientView(
  headers: Record<string, string | string[] | undefined>,
  peerAddress: string,
  listener: Listener,
  trusted: BlockList | undefined,
): ClientView {
  const peer = plainAddress(peerAddress);
  const host = single(headers.host) ?? '';
  const incomingId = single(headers['x-request-id']);
  const requestId = incomingId !== undefined && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  if (!isTrusted(trusted, peer)) {
    return { address: peer, forwardedFor: peer, proto: listener.proto, host, port: listener.port, requestId };
  }
  const xff = headers['x-forwarded-for'];
  const chain = xff === undefined ? '' : Array.isArray(xff) ? xff.join(', ') : xff;
  // Walk the chain from the right, skipping trusted hops (nginx's real_ip_recursive on).
  let address = peer;
  if (chain !== '') {
    const hops = chain.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i].trim();
      if (hop === '') continue;
      address = hop;
      if (!isTrusted(trusted, hop)) break;
    }
  }
  return {
    address,
    forwardedFor: chain === '' ? peer : `${chain}, ${peer}`,
    proto: single(headers['x-forwarded-proto']) ?? listener.proto,
    host: single(headers['x-forwarded-host']) ?? host,
    port: single(headers['x-forwarded-port']) ?? listener.port,
    requestId,
  };
}

const REPLACED = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'x-request-id',
  // Answered at the edge (Node sends 100 Continue, as nginx does); undici refuses to forward it,
  // so passing it on failed every such request with 502.
  'expect',
]);

/**
 * Flat [name, value, …] list for undici from the client's raw headers (original case kept).
 * For an upgrade, undici writes Connection/Upgrade itself from its `upgrade` option.
 */
export function upstreamHeaders(rawHeaders: string[], view: ClientView): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    if (isHopByHop(lower) || REPLACED.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]);
  }
  out.push(
    'x-forwarded-for',
    view.forwardedFor,
    'x-forwarded-proto',
    view.proto,
    'x-forwarded-host',
    view.host,
    'x-forwarded-port',
    view.port,
    'x-real-ip',
    view.address,
    'x-request-id',
    view.requestId,
  );
  return out;
}

/**
 * Response headers for the client as the flat [name, value, …] list writeHead takes: the
 * upstream's, less hop-by-hop ones, in one pass. Deleting from undici's header object instead
 * cost ~1 µs per response (a delete turns the object into a slow dictionary) — the common case.
 */
export function relayedHeaders(
  headers: Record<string, string | string[] | undefined>,
): Array<string | string[]> {
  const out: Array<string | string[]> = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name)) continue;
    out.push(name, value);
  }
  return out;
}

/** Response headers for the client: the upstream's, less hop-by-hop ones. Mutates and returns. */
export function downstreamHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  return deleteHopByHop(headers);
}
