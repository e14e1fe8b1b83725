import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCipherList } from './cipher-list.ts';

describe('checkCipherList', () => {
  it('takes lists OpenSSL matches, as nginx ssl_ciphers does', () => {
    for (const list of [
      'ECDHE-RSA-AES128-GCM-SHA256',
      'HIGH:!aNULL:!MD5',
      'ECDHE-RSA-AES256-GCM-SHA384:NOPE',
    ])
      assert.equal(checkCipherList(list), undefined, list);
  });

  it('refuses a list that matches no cipher, never throwing', () => {
    for (const list of ['NOPE', 'aNULL:!aNULL', '!ALL'])
      assert.match(checkCipherList(list) ?? '', /OpenSSL refuses/, list);
  });
});
