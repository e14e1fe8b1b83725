// HTTP Basic authentication (RFC 7617) as nginx's auth_basic answers it (ngx_http_auth_basic_module,
// ngx_http_auth_basic_user): credentials decoded as nginx decodes them, the first entry of the user
// checked, 401 with the realm's challenge otherwise. Compiled once per table; the check is pure
// apart from a small cache of successful verifications.
import { createHash } from 'node:crypto';
import { type HashScheme, hashScheme } from '../table/password-hash.ts';
import type { BasicAuth } from '../table/types.ts';
import { verifyPassword } from './password-verify.ts';

export interface CompiledBasicAuth {
  /** The WWW-Authenticate value of a 401. */
  readonly challenge: string;
  /** By user, as the Latin-1 text of its UTF-8 bytes (compared byte for byte, as nginx). */
  readonly users: ReadonlyMap<string, { readonly hash: string; readonly scheme: HashScheme | undefined }>;
}

export function compileBasicAuth(auth: BasicAuth | undefined): CompiledBasicAuth | undefined {
  if (auth === undefined) return undefined;
  const users = new Map<string, { hash: string; scheme: HashScheme | undefined }>();
  for (const { user, hash } of auth.users) {
    const key = Buffer.from(user, 'utf8').toString('latin1');
    if (!users.has(key)) users.set(key, { hash, scheme: hashScheme(hash) });
  }
  return { challenge: `Basic realm="${quoted(auth.realm)}"`, users };
}

/** RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped (nginx writes the realm unescaped). */
function quoted(realm: string): string {
  return realm.replace(/["\\]/g, '\\$&');
}

/** Whether the Authorization header carries the user and password of an entry. */
export function authorized(auth: CompiledBasicAuth, header: string | undefined): boolean {
  const credentials = decodeCredentials(header);
  if (credentials === undefined) return false;
  const entry = auth.users.get(credentials.user);
  if (entry === undefined) return false;
  return verifiedCached(credentials.password, entry.hash, entry.scheme);
}

const SCHEME = /^basic /i;
const BASE64 = /^[A-Za-z0-9+/]*/;

/**
 * ngx_http_auth_basic_user: `Basic ` (any case), spaces, base64 up to the first `=` (any other
 * character refuses it), then `user:password` with a non-empty user.
 */
export function decodeCredentials(
  header: string | undefined,
): { user: string; password: Buffer } | undefined {
  if (header === undefined || !SCHEME.test(header)) return undefined;
  let start = 6;
  while (start < header.length && header.charCodeAt(start) === 0x20) start++;
  const encoded = header.slice(start);
  const data = BASE64.exec(encoded)![0];
  if (data.length === 0 || data.length % 4 === 1) return undefined;
  if (data.length < encoded.length && encoded[data.length] !== '=') return undefined;
  const decoded = Buffer.from(data, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon <= 0) return undefined;
  return { user: decoded.toString('latin1', 0, colon), password: decoded.subarray(colon + 1) };
}

/**
 * Successful verifications, keyed by a digest of hash and password (never the password itself),
 * least recently used first. nginx hashes on every request; a bcrypt check costs a worker's event
 * loop tens of milliseconds, which a worker serving thousands of requests a second cannot pay.
 */
const verified = new Map<string, true>();
export const VERIFIED_CACHE_SIZE = 1024;

/** The cheap schemes are checked every time: their hash costs less than the cache's digest. */
const CACHED: ReadonlySet<HashScheme | undefined> = new Set<HashScheme | undefined>([
  'apr1',
  'md5-crypt',
  'bcrypt',
  'des',
]);

function verifiedCached(password: Buffer, hash: string, scheme: HashScheme | undefined): boolean {
  if (!CACHED.has(scheme)) return verifyPassword(password, hash, scheme);
  const key = createHash('sha256').update(hash).update('\0').update(password).digest('base64');
  if (verified.delete(key)) {
    verified.set(key, true);
    return true;
  }
  if (!verifyPassword(password, hash, scheme)) return false;
  verified.set(key, true);
  if (verified.size > VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
  return true;
}
