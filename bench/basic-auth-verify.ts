// Cost of one Basic-auth verification per hash kind on this machine, and of a cached success
// (dataplane/src/proxy/basic-auth.ts). Run: node bench/basic-auth-verify.ts (Node 26 on PATH).
import bcrypt from 'bcryptjs';
import { authorized, compileBasicAuth } from '../dataplane/src/proxy/basic-auth.ts';
import { verifyPassword } from '../dataplane/src/proxy/password-verify.ts';

const pw = Buffer.from('s3cret');
const time = (label: string, n: number, f: () => unknown) => {
  f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(label, ((performance.now() - t) / n).toFixed(3), 'ms/check');
};
for (const cost of [5, 10, 12]) {
  const h = bcrypt.hashSync('s3cret', cost);
  time(`bcrypt cost ${cost}`, cost === 12 ? 3 : 10, () => verifyPassword(pw, h));
}
time('apr1', 200, () => verifyPassword(pw, '$apr1$mvi.WKYT$PbbEvzTJ3EjB..xsvrzi30'));
time('des', 200, () => verifyPassword(pw, 'r5NMsfWTxeBOo'));
time('{SHA}', 2000, () => verifyPassword(pw, '{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg='));
const auth = compileBasicAuth({ realm: 'r', users: [{ user: 'u', hash: bcrypt.hashSync('s3cret', 10) }] })!;
const header = `Basic ${Buffer.from('u:s3cret').toString('base64')}`;
time('bcrypt cost 10, cached success (whole check)', 20000, () => authorized(auth, header));
