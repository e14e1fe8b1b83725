// Declarations of the two untyped password hash libraries proxy/password-verify.ts uses.
declare module 'apache-md5' {
  /** Apache's $apr1$ (and $1$ MD5-crypt) hash of `password` with the salt of `salt`, a whole hash. */
  export default function apacheMd5(password: string, salt: string): string;
}
declare module 'unix-crypt-td-js' {
  /** Traditional DES crypt(3) of `password` with the two-character salt leading `salt`. */
  export default function unixCrypt(password: string, salt: string): string;
}
