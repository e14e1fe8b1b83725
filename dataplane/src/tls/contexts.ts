// The SNI context store: one SecureContext per certificate of the table in force, found by the
// name the client sends — exact host first, then a one-label wildcard, then the default. Contexts
// are cached by content hash across tables, so a table that keeps a certificate does not parse it
// again, and a Secret whose content changes gets a new context for new handshakes while open
// connections keep the one they negotiated.
import { constants, createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Certificate, HostTls, RouteTable } from '../table/types.ts';
import { SECURE_CONTEXT_OPTIONS, TLS13_SUITES } from './options.ts';

/** A host's own cipher settings (ingress-nginx ssl-ciphers, ssl-prefer-server-ciphers). */
type CipherSettings = Pick<HostTls, 'ciphers' | 'preferServerCiphers'> & {
  /** The CA of a host asking for client certificates (auth-tls-secret). */
  clientCa?: string;
};

export interface ContextProblem {
  certificate: string;
  message: string;
}

function contentKey(certificate: Certificate, settings: CipherSettings | undefined): string {
  return createHash('sha256')
    .update(certificate.certPem)
    .update('\0')
    .update(certificate.keyPem)
    .update(
      `\0${settings?.ciphers ?? ''}\0${settings?.preferServerCiphers ?? ''}\0${settings?.clientCa ?? ''}`,
    )
    .digest('hex');
}

/**
 * The listener's options with a host's cipher settings. The host's list is OpenSSL's TLS 1.2 list
 * only, as nginx's ssl_ciphers: Node takes both kinds in one string, so the TLS 1.3 suites are kept.
 */
function contextOptions(settings: CipherSettings | undefined) {
  return {
    ...SECURE_CONTEXT_OPTIONS,
    ...(settings?.ciphers === undefined ? {} : { ciphers: `${TLS13_SUITES}:${settings.ciphers}` }),
    ...(settings?.preferServerCiphers === undefined
      ? {}
      : { honorCipherOrder: settings.preferServerCiphers }),
    // No resumption on a host that verifies clients: a resumed session would carry the verdict of
    // an earlier handshake (Node keeps no server-side session cache; tickets are the only way).
    ...(settings?.clientCa === undefined
      ? {}
      : { ca: settings.clientCa, secureOptions: constants.SSL_OP_NO_TICKET }),
  };
}

export class CertificateContexts {
  #byContent = new Map<string, SecureContext>();
  #exact = new Map<string, SecureContext>();
  /** Keyed by the suffix after `*.`: `*.example.com` is stored as `example.com`. */
  #wildcard = new Map<string, SecureContext>();
  #default: SecureContext | undefined;
  /** Contexts made with a host's own cipher settings (ssl-ciphers): see ownCipherContext. */
  #ownCiphers = new Set<SecureContext>();
  /** Contexts of hosts that ask for a client certificate (auth-tls-secret): see clientCertificateContext. */
  #clientCas = new Set<SecureContext>();
  #defaultCertificate: Certificate | undefined;
  #fallback: Certificate | undefined;

  /** What clients that send no SNI (or an unknown name) are served. */
  get defaultCertificate(): Certificate | undefined {
    return this.#defaultCertificate;
  }

  /** The certificate used when the table names no default (a self-signed one from the primary). */
  setFallback(certificate: Certificate): void {
    this.#fallback = certificate;
  }

  /** Rebuilds the name → context maps for `table`; a certificate that fails to load is reported and left out. */
  update(table: Pick<RouteTable, 'hosts' | 'certificates' | 'defaultCertificate'>): ContextProblem[] {
    const problems: ContextProblem[] = [];
    const previous = this.#byContent;
    const next = new Map<string, SecureContext>();
    const load = (
      name: string,
      certificate: Certificate | undefined,
      settings?: CipherSettings,
    ): SecureContext | undefined => {
      if (certificate === undefined) {
        problems.push({ certificate: name, message: 'not in the table' });
        return undefined;
      }
      const key = contentKey(certificate, settings);
      let context = next.get(key) ?? previous.get(key);
      if (context === undefined) {
        try {
          context = createSecureContext({
            ...contextOptions(settings),
            cert: certificate.certPem,
            key: certificate.keyPem,
          });
        } catch (error) {
          problems.push({ certificate: name, message: (error as Error).message });
          return undefined;
        }
      }
      next.set(key, context);
      return context;
    };

    const exact = new Map<string, SecureContext>();
    const wildcard = new Map<string, SecureContext>();
    const ownCiphers = new Set<SecureContext>();
    const clientCas = new Set<SecureContext>();
    for (const host of table.hosts) {
      if (host.tls === undefined || host.host === '*') continue;
      const certificate = table.certificates[host.tls.certificate];
      const asks = host.clientCertificate !== undefined && host.clientCertificate.verify !== 'off';
      const clientCa = asks ? host.clientCertificate?.caPem : undefined;
      const ciphered =
        host.tls.ciphers !== undefined ||
        host.tls.preferServerCiphers !== undefined ||
        clientCa !== undefined;
      // A cipher list OpenSSL refuses leaves the host on the default list, never without TLS; a CA
      // OpenSSL refuses leaves it asking for no certificate, and its requests are answered 503.
      const own = ciphered
        ? load(`${host.tls.certificate} with the TLS settings of ${host.host}`, certificate, {
            ...host.tls,
            clientCa,
          })
        : undefined;
      const context = own ?? load(host.tls.certificate, certificate);
      if (context === undefined) continue;
      if (own !== undefined) ownCiphers.add(own);
      if (own !== undefined && clientCa !== undefined) clientCas.add(own);
      if (host.host.startsWith('*.')) wildcard.set(host.host.slice(2), context);
      else exact.set(host.host, context);
    }
    let fallback: SecureContext | undefined;
    let fallbackCertificate: Certificate | undefined;
    if (table.defaultCertificate !== undefined) {
      fallbackCertificate = table.certificates[table.defaultCertificate];
      fallback = load(table.defaultCertificate, fallbackCertificate);
    }
    if (fallback === undefined && this.#fallback !== undefined) {
      fallbackCertificate = this.#fallback;
      fallback = load('self-signed', this.#fallback);
    }
    this.#ownCiphers = ownCiphers;
    this.#clientCas = clientCas;
    this.#byContent = next;
    this.#exact = exact;
    this.#wildcard = wildcard;
    this.#default = fallback;
    this.#defaultCertificate = fallback === undefined ? undefined : fallbackCertificate;
    return problems;
  }

  /** Whether some host has its own cipher settings or client CA: the listener then reads each ClientHello first. */
  get hasOwnCiphers(): boolean {
    return this.#ownCiphers.size > 0;
  }

  /**
   * The context of `servername`'s host when it has its own cipher settings or client CA: the
   * listener makes the connection's SSL from it (tls/passthrough.ts), since OpenSSL keeps the first
   * context's ciphers, and verifies a client certificate against the store of the context in force.
   */
  ownCipherContext(servername: string): SecureContext | undefined {
    const context = this.select(servername);
    return context !== undefined && this.#ownCiphers.has(context) ? context : undefined;
  }

  /** Whether a handshake made from `context` must ask for a client certificate (it holds a host's CA). */
  asksClientCertificate(context: SecureContext): boolean {
    return this.#clientCas.has(context);
  }

  /** The context for an SNI name (case-insensitive, trailing dot ignored); the default for none. */
  select(servername: string | undefined): SecureContext | undefined {
    if (servername) {
      let name = servername.toLowerCase();
      if (name.endsWith('.')) name = name.slice(0, -1);
      const exact = this.#exact.get(name);
      if (exact !== undefined) return exact;
      const dot = name.indexOf('.');
      if (dot > 0) {
        const wildcard = this.#wildcard.get(name.slice(dot + 1));
        if (wildcard !== undefined) return wildcard;
      }
    }
    return this.#default;
  }

  /** tls.Server's SNICallback; with no certificate at all the handshake fails (never a crash). */
  readonly sniCallback = (
    servername: string,
    done: (error: Error | null, context?: SecureContext) => void,
  ): void => {
    const context = this.select(servername);
    if (context === undefined) done(new Error('no certificate for this name'));
    else done(null, context);
  };
}
