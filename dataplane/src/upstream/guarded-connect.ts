// Connections to endpoints the API server did not vet (ExternalName), checked when they are made:
// a name is resolved here and only allowed addresses reach net.connect, an address literal is
// checked before connecting, and the address actually connected is checked once more. DNS answers
// change and any name can resolve to 127.0.0.1: the name itself proves nothing (issue #25).
import { type LookupAddress, type LookupAllOptions, lookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { buildConnector } from 'undici';
import { RefusedAddressError, type RefusedClass } from './address-guard.ts';

/** What the connect path asks of the guard (address-guard.ts implements it). */
export interface AddressPolicy {
  classify(address: string): RefusedClass | undefined;
  /** A connection was refused (the guard logs the first of each). */
  report(error: RefusedAddressError): void;
}

type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * net.connect's `lookup`: every address the name resolves to, less the refused ones, in the shape
 * net asked for (all of them for Happy Eyeballs, else the first). Only refused ones: a refusal.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolve = lookup as Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '');
        return;
      }
      let refusal: RefusedAddressError | undefined;
      const allowed: LookupAddress[] = [];
      for (const answer of addresses) {
        const refused = policy.classify(answer.address);
        if (refused === undefined) allowed.push(answer);
        else refusal ??= new RefusedAddressError(hostname, answer.address, refused);
      }
      if (refusal !== undefined) policy.report(refusal);
      if (allowed.length === 0) {
        callback(
          refusal ?? Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
          '',
        );
      } else if (options.all === true) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/** `connector` (undici's, built with guardedLookup) with address literals and the connected address checked. */
export function guardedConnector(
  policy: AddressPolicy,
  connector: buildConnector.connector,
): buildConnector.connector {
  return (options, callback) => {
    const hostname = options.hostname;
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    // net.connect skips `lookup` for an address literal: check it here, before any packet is sent.
    const literal = isIP(host) === 0 ? undefined : policy.classify(host);
    if (literal !== undefined) {
      const error = new RefusedAddressError(host, host, literal);
      policy.report(error);
      callback(error, null);
      return;
    }
    connector(options, (...[error, socket]: Parameters<buildConnector.Callback>) => {
      if (error !== null) {
        callback(error, null);
        return;
      }
      // Whatever path net took to it, the address actually connected must be an allowed one.
      const remote = socket.remoteAddress ?? '';
      const refused = policy.classify(remote);
      if (refused === undefined) {
        callback(null, socket);
        return;
      }
      socket.destroy();
      const refusal = new RefusedAddressError(host, remote, refused);
      policy.report(refusal);
      callback(refusal, null);
    });
  };
}
