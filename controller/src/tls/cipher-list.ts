// Whether OpenSSL takes an ssl-ciphers list, asked of node:tls here so that translation stays free
// of I/O modules: the same call the worker makes for the host's SecureContext, so a list accepted
// here is one the worker can use.
import { createSecureContext } from 'node:tls';

/** Undefined when OpenSSL takes `ciphers` as a TLS 1.2 cipher list, else OpenSSL's reason. */
export function checkCipherList(ciphers: string): string | undefined {
  try {
    createSecureContext({ ciphers });
    return undefined;
  } catch (error) {
    return `OpenSSL refuses it (${(error as Error).message})`;
  }
}
