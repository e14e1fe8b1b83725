// Verifies a password against one htpasswd hash the way nginx's ngx_crypt does (hash the password
// with the stored salt, compare), through maintained libraries: bcryptjs, apache-md5 ($apr1$, $1$),
// unix-crypt-td-js (DES); node:crypto for {SHA}/{SSHA}. Comparisons are constant-time.
import { createHash, timingSafeEqual } from 'node:crypto';
import apacheMd5 from 'apache-md5';
import bcrypt from 'bcryptjs';
import unixCrypt from 'unix-crypt-td-js';
import { hashScheme } from '../table/password-hash.ts';

/** Whether `password` (the raw bytes of the credentials) matches `hash`; false for an unknown format. */
export function verifyPassword(password: Buffer, hash: string, scheme = hashScheme(hash)): boolean {
  switch (scheme) {
    case 'apr1':
    case 'md5-crypt':
      // Latin-1 keeps each byte as one character: the libraries hash the bytes nginx would.
      return sameText(apacheMd5(password.toString('latin1'), hash), hash);
    case 'des':
      return sameText(unixCrypt(password.toString('latin1'), hash), hash);
    case 'bcrypt':
      // bcryptjs compares in constant time itself; it hashes the string's UTF-8 bytes.
      return bcrypt.compareSync(password.toString('utf8'), hash);
    case 'sha1':
      return sameBytes(createHash('sha1').update(password).digest(), Buffer.from(hash.slice(5), 'base64'));
    case 'ssha':
      return ssha(password, Buffer.from(hash.slice(6), 'base64'));
    case 'plain':
      return sameBytes(password, Buffer.from(hash.slice(7), 'latin1'));
    default:
      return false;
  }
}

/** nginx ngx_crypt_ssha: base64(SHA-1(password + salt) + salt). */
function ssha(password: Buffer, decoded: Buffer): boolean {
  if (decoded.length <= 20) return false;
  const salt = decoded.subarray(20);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return sameBytes(digest, decoded.subarray(0, 20));
}

function sameText(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
