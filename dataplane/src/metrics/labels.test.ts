import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  METHODS,
  methodIndex,
  REQUEST_SLOTS,
  requestSlot,
  STATUS_CLASSES,
  statusClassIndex,
  upstreamErrorReason,
} from './labels.ts';

describe('bounded label values', () => {
  it('known verbs keep their name; anything else is OTHER', () => {
    for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']) {
      assert.equal(METHODS[methodIndex(m)], m);
    }
    for (const m of ['PROPFIND', 'get', 'BREW', '', undefined])
      assert.equal(METHODS[methodIndex(m)], 'OTHER');
  });

  const classes: Array<[number, string]> = [
    [101, '1xx'],
    [200, '2xx'],
    [308, '3xx'],
    [404, '4xx'],
    [499, '4xx'],
    [503, '5xx'],
    [0, 'other'],
    [600, 'other'],
  ];
  for (const [status, label] of classes) {
    it(`status ${status} is counted as ${label}`, () => {
      assert.equal(STATUS_CLASSES[statusClassIndex(status)], label);
    });
  }

  it('every method × class pair has its own slot', () => {
    const slots = new Set<number>();
    for (const m of METHODS) for (const s of [100, 200, 300, 400, 500, 0]) slots.add(requestSlot(m, s));
    assert.equal(slots.size, REQUEST_SLOTS);
    assert.ok([...slots].every((s) => s >= 0 && s < REQUEST_SLOTS));
  });

  const reasons: Array<[string, string | undefined]> = [
    ['ECONNREFUSED', 'connect'],
    ['ENOTFOUND', 'connect'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['UND_ERR_SOCKET', 'reset'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['UND_ERR_ABORTED', undefined],
    ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', undefined],
    // The client's body: too large (413), stalled or too slow (408).
    ['GATEHOUSE_BODY_TOO_LARGE', undefined],
    ['GATEHOUSE_CLIENT_BODY_TIMEOUT', undefined],
    ['GATEHOUSE_CLIENT_BODY_TOO_SLOW', undefined],
  ];
  for (const [code, reason] of reasons) {
    it(`upstream error ${code} has reason ${reason ?? 'none (not the upstream’s fault)'}`, () => {
      assert.equal(upstreamErrorReason(Object.assign(new Error(code), { code })), reason);
    });
  }
});
