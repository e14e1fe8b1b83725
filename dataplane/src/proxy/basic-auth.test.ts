// nginx ngx_http_auth_basic_module and ngx_http_auth_basic_user (src/http/ngx_http_core_module.c),
// ngx_crypt (src/core/ngx_crypt.c); hashes in testdata/htpasswd come from htpasswd and openssl.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hashScheme } from '../table/password-hash.ts';
import { authorized, compileBasicAuth, decodeCredentials } from './basic-auth.ts';
import { verifyPassword } from './password-verify.ts';

const FIXTURES = readFileSync(new URL('./testdata/htpasswd', import.meta.url), 'latin1')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const colon = line.indexOf(':');
    return { user: line.slice(0, colon), hash: line.slice(colon + 1) };
  });
const verifiable = FIXTURES.filter((f) => !f.user.startsWith('sha256') && !f.user.startsWith('sha512'));
const basic = (text: string) => `Basic ${Buffer.from(text, 'latin1').toString('base64')}`;

test('every hash kind the tools write verifies the right password and refuses a wrong one', () => {
  assert.equal(verifiable.length, 10);
  for (const { user, hash } of verifiable) {
    assert.notEqual(hashScheme(hash), undefined, user);
    assert.equal(verifyPassword(Buffer.from('s3cret'), hash), true, `${user} right`);
    assert.equal(verifyPassword(Buffer.from('s3creT'), hash), false, `${user} wrong`);
    assert.equal(verifyPassword(Buffer.from(''), hash), false, `${user} empty`);
  }
});

test('SHA-256/512 crypt ($5$, $6$) and plain text are not formats the worker verifies', () => {
  for (const { user, hash } of FIXTURES.filter((f) => f.user.startsWith('sha2') || f.user.startsWith('sha5')))
    assert.equal(hashScheme(hash), undefined, user);
  assert.equal(hashScheme('s3cret'), undefined);
  assert.equal(verifyPassword(Buffer.from('s3cret'), 's3cret'), false);
  // A bcrypt cost above 12 would stall the worker's event loop for a second per check.
  assert.equal(hashScheme('$2y$13$yUEbdcFI5FLJsTzAr2yu2epmbMvDaWD/rMtPTcNKZ2Zh3eMTjr3uu'), undefined);
});

test('traditional DES crypt, as crypt(3), reads only the first 8 bytes of the password', () => {
  const des = FIXTURES.find((f) => f.user === 'des')!.hash;
  assert.equal(verifyPassword(Buffer.from('s3cret'), des), true);
  const eight = verifyPassword(Buffer.from('12345678'), '12Xu4bmvl/Dqk');
  assert.equal(verifyPassword(Buffer.from('12345678-and-more'), '12Xu4bmvl/Dqk'), eight);
});

const cases: Array<[string, string | undefined, { user: string; password: string } | undefined]> = [
  ['absent', undefined, undefined],
  ['user and password', basic('alice:pw'), { user: 'alice', password: 'pw' }],
  [
    'the scheme in any case, spaces before the token',
    `bAsIc   ${Buffer.from('a:b').toString('base64')}`,
    { user: 'a', password: 'b' },
  ],
  ['a password holding colons', basic('a:b:c'), { user: 'a', password: 'b:c' }],
  ['an empty password', basic('a:'), { user: 'a', password: '' }],
  ['an empty user', basic(':pw'), undefined],
  ['no colon', basic('alice'), undefined],
  ['another scheme', 'Bearer abc', undefined],
  ['no token', 'Basic ', undefined],
  ['a character outside base64', 'Basic YWxp*2U6cHc=', undefined],
  ['an impossible length', 'Basic YWxpY', undefined],
  // ngx_decode_base64 stops at the first '=': what follows is not read.
  ['text after the padding', `${basic('a:bc')}garbage`, { user: 'a', password: 'bc' }],
];
for (const [name, header, expected] of cases) {
  test(`credentials: ${name}`, () => {
    const got = decodeCredentials(header);
    assert.deepEqual(
      got === undefined ? undefined : { user: got.user, password: got.password.toString('latin1') },
      expected,
    );
  });
}

test('the first entry of a user is the one checked; users compare byte for byte', () => {
  const sha1 = FIXTURES.find((f) => f.user === 'sha1')!.hash;
  const auth = compileBasicAuth({
    realm: 'r',
    users: [
      { user: 'alice', hash: sha1 },
      { user: 'alice', hash: '{PLAIN}other' },
      { user: 'Zoë', hash: '{PLAIN}s3cret' },
    ],
  })!;
  assert.equal(authorized(auth, basic('alice:s3cret')), true);
  assert.equal(authorized(auth, basic('alice:other')), false);
  assert.equal(authorized(auth, basic('Alice:s3cret')), false);
  assert.equal(authorized(auth, `Basic ${Buffer.from('Zoë:s3cret').toString('base64')}`), true);
  assert.equal(authorized(auth, basic('bob:s3cret')), false);
  assert.equal(authorized(auth, undefined), false);
});

test('a cached success still needs the same password and hash', () => {
  const { hash } = FIXTURES.find((f) => f.user === 'bcrypt-2y')!;
  const auth = compileBasicAuth({ realm: 'r', users: [{ user: 'u', hash }] })!;
  assert.equal(authorized(auth, basic('u:s3cret')), true);
  assert.equal(authorized(auth, basic('u:s3cret')), true);
  assert.equal(authorized(auth, basic('u:s3cret2')), false);
  const other = compileBasicAuth({ realm: 'r', users: [{ user: 'u', hash: '{PLAIN}x' }] })!;
  assert.equal(authorized(other, basic('u:s3cret')), false);
});

test('the challenge quotes the realm (RFC 9110 §5.6.4)', () => {
  assert.equal(compileBasicAuth({ realm: '', users: [] })!.challenge, 'Basic realm=""');
  assert.equal(
    compileBasicAuth({ realm: 'Need "auth" \\ now', users: [] })!.challenge,
    'Basic realm="Need \\"auth\\" \\\\ now"',
  );
});
