// The htpasswd hash formats the worker verifies: those nginx's auth_basic accepts through ngx_crypt
// (src/core/ngx_crypt.c: $apr1$, {PLAIN}, {SSHA}, {SHA}) and libc crypt() on ingress-nginx's Alpine
// image (musl: DES, $1$, $2a$/$2b$/$2y$; $5$/$6$ too, left out: no maintained npm library has them).
// Shared by the table schema, the controller (diagnostics) and the worker (dispatch), so the table
// accepts exactly what the worker verifies.

export type HashScheme = 'apr1' | 'md5-crypt' | 'bcrypt' | 'sha1' | 'ssha' | 'plain' | 'des';

const CRYPT64 = '[./0-9A-Za-z]';
const BASE64 = '[A-Za-z0-9+/]';

/** Each scheme's whole-string syntax; bcrypt's cost is bounded (see MAX_BCRYPT_COST). */
export const HASH_SYNTAX: Readonly<Record<HashScheme, string>> = {
  apr1: `^\\$apr1\\$[^$:\\s]{0,8}\\$${CRYPT64}{22}$`,
  'md5-crypt': `^\\$1\\$[^$:\\s]{0,8}\\$${CRYPT64}{22}$`,
  // A cost above 12 costs the worker's event loop a quarter second and more per check.
  bcrypt: `^\\$2[aby]\\$(0[4-9]|1[0-2])\\$${CRYPT64}{53}$`,
  sha1: `^\\{SHA\\}${BASE64}{27}=$`,
  // base64(SHA-1(password + salt) + salt), a salt of at least one byte.
  ssha: `^\\{SSHA\\}${BASE64}{28,}={0,2}$`,
  plain: '^\\{PLAIN\\}[^:\\s]*$',
  des: `^${CRYPT64}{13}$`,
};

/** The bcrypt cost the table accepts at most (HASH_SYNTAX.bcrypt). */
export const MAX_BCRYPT_COST = 12;

const SCHEMES = Object.entries(HASH_SYNTAX).map(
  ([scheme, source]) => [scheme as HashScheme, new RegExp(source)] as const,
);

/** One pattern for the table schema: any scheme the worker verifies. */
export const HASH_PATTERN = Object.values(HASH_SYNTAX)
  .map((s) => `(${s})`)
  .join('|');

/** The scheme of an htpasswd hash field, or undefined when the worker cannot verify it. */
export function hashScheme(hash: string): HashScheme | undefined {
  for (const [scheme, syntax] of SCHEMES) if (syntax.test(hash)) return scheme;
  return undefined;
}
