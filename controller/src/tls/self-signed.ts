// The self-signed certificate served to TLS clients whose name has no certificate (ingress-nginx's
// "fake certificate"), made in-process: node:crypto makes keys and signatures but no X.509, and
// the runtime image has no openssl CLI, so this file encodes the one fixed certificate shape in DER
// (RFC 5280 §4.1) itself rather than adding a dependency.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { Certificate } from '../../../dataplane/src/table/types.ts';

export interface SelfSignedOptions {
  commonName?: string;
  dnsNames?: string[];
  now?: Date;
  validDays?: number;
}

/** The default certificate's name: a reserved TLD (RFC 2606), so it never matches a real host. */
export const DEFAULT_CERTIFICATE_NAME = 'gatehouse.invalid';

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else if (n < 0x100) length = Buffer.from([0x81, n]);
  else if (n < 0x10000) length = Buffer.from([0x82, n >> 8, n & 0xff]);
  else length = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...parts: Buffer[]): Buffer => der(0x30, ...parts);
const set = (...parts: Buffer[]): Buffer => der(0x31, ...parts);
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer): Buffer => der(0x04, b);
const bits = (b: Buffer): Buffer => der(0x03, Buffer.from([0]), b);
const explicit = (n: number, inner: Buffer): Buffer => der(0xa0 + n, inner);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function integer(value: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit needs a zero byte in front to stay positive.
  return der(0x02, value[0] & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

/**
 * A positive serial of `random`'s length (RFC 5280 §4.1.2.2). The first byte is kept in 1..127:
 * a leading 1 bit would make the DER integer negative, and a leading zero byte followed by a byte
 * below 0x80 is not minimal DER, which OpenSSL refuses to parse (1 certificate in 256).
 */
export function serialNumber(random: Buffer): Buffer {
  const serial = Buffer.from(random);
  serial[0] = serial[0] & 0x7f || 1;
  return serial;
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  return year < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid('2.5.4.10'), utf8('Gatehouse'))),
    set(sequence(oid('2.5.4.3'), utf8(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), TRUE, octets(value)) : sequence(oid(id), octets(value));
}

/** An ECDSA P-256 certificate signed by its own key, for `dnsNames` (the first is also the CN). */
export function selfSignedCertificate(options: SelfSignedOptions = {}): Certificate {
  const dnsNames = options.dnsNames ?? [DEFAULT_CERTIFICATE_NAME];
  const commonName = options.commonName ?? dnsNames[0];
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + (options.validDays ?? 365) * 24 * 60 * 60 * 1000);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const serial = serialNumber(randomBytes(16));
  const altNames = sequence(...dnsNames.map((d) => der(0x82, Buffer.from(d, 'ascii'))));
  const extensions = sequence(
    extension('2.5.29.19', true, sequence()), // basicConstraints: not a CA
    // keyUsage digitalSignature: bit 0, so 7 unused bits in DER's minimal form
    extension('2.5.29.15', true, der(0x03, Buffer.from([7, 0x80]))),
    extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
    extension('2.5.29.17', false, altNames),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name(commonName),
    sequence(time(notBefore), time(notAfter)),
    name(commonName),
    spki,
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certificate = sequence(tbs, ecdsaWithSha256, bits(signature));
  const body = certificate.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body.trimEnd()}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    source: 'self-signed',
  };
}
