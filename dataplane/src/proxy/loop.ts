// Loop detection: every request this proxy forwards carries a Via entry naming this installation
// (RFC 9110 §7.6.3: a gateway MUST send Via on the requests it forwards inbound), and a request
// arriving with that entry already in its Via has been here before: it is answered 508 Loop
// Detected (RFC 5842 §7.2) before routing, whatever path brought it back (an ExternalName to our
// own Service, a backend that proxies to us). Only our own pseudonym counts, never a bare
// "gatehouse" or another proxy's entry, so chained proxies and other Gatehouse installations pass.
//
// A client may send our pseudonym itself: it gets 508 for its own request and nothing else.
// Browsers cannot (Via is a forbidden request header in Fetch), so a page cannot make visitors
// send it to another tenant's host. The pseudonym is random per installation, not a secret.
//
// Responses get no entry of ours (RFC 9110 §7.6.3 lets a gateway add one, it need not): nginx
// adds none, clients rely on none, and our pseudonym is kept out of every response. A backend's
// own Via is end-to-end and relayed as is.
import { randomBytes } from 'node:crypto';

/** An HTTP token (RFC 9110 §5.6.2): what a Via pseudonym must be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A fresh pseudonym: `gatehouse-` and 64 random bits, shared by all workers of one installation. */
export function newViaPseudonym(): string {
  return `gatehouse-${randomBytes(8).toString('hex')}`;
}

export class ViaMarker {
  readonly pseudonym: string;
  // The three entries a request can need, built once: forwarding adds no string per request.
  readonly #http10: string;
  readonly #http11: string;
  readonly #http2: string;

  constructor(pseudonym: string) {
    if (!TOKEN.test(pseudonym)) throw new Error(`Via pseudonym ${JSON.stringify(pseudonym)} is not a token`);
    this.pseudonym = pseudonym;
    this.#http10 = `1.0 ${pseudonym}`;
    this.#http11 = `1.1 ${pseudonym}`;
    this.#http2 = `2 ${pseudonym}`;
  }

  /** The entry appended to a request received as HTTP/major.minor (received-protocol, §7.6.3). */
  entry(major: number, minor: number): string {
    if (major === 2) return this.#http2;
    return minor === 0 ? this.#http10 : this.#http11;
  }

  /** True when a request's Via already names this installation: it is coming round again. */
  seenIn(via: string | string[] | undefined): boolean {
    if (via === undefined) return false;
    if (typeof via === 'string') return via.includes(this.pseudonym);
    for (const line of via) if (line.includes(this.pseudonym)) return true;
    return false;
  }
}
