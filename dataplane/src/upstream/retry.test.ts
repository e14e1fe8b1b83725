import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConnectFailure, upstreamErrorReason } from './errors.ts';
import { compileRetry, DEFAULT_RETRY, retryableFailure, retrySpendsBudget } from './retry.ts';
import { RetryBudget } from './retry-budget.ts';

function err(code: string): Error & { code: string } {
  return Object.assign(new Error(code), { code });
}

describe('retries', () => {
  const cases: Array<[string, string, string, boolean, boolean]> = [
    // [rule, method, error code, body untouched, retried]
    ['connect refused: nothing was sent, any method is retried', 'POST', 'ECONNREFUSED', true, true],
    ['connect timeout is a connect failure', 'GET', 'UND_ERR_CONNECT_TIMEOUT', true, true],
    ['TLS handshake failure is a connect failure', 'GET', 'ERR_TLS_CERT_ALTNAME_INVALID', true, true],
    ['reset of an idempotent GET is retried', 'GET', 'UND_ERR_SOCKET', true, true],
    ['reset of a PUT whose body was not read is retried', 'PUT', 'ECONNRESET', true, true],
    ['reset of a POST is never retried (not idempotent)', 'POST', 'ECONNRESET', true, false],
    ['a request whose body began to stream is never retried', 'PUT', 'ECONNREFUSED', false, false],
    [
      'a response timeout is not retried (the upstream may be acting on it)',
      'GET',
      'UND_ERR_HEADERS_TIMEOUT',
      true,
      false,
    ],
    ['a client abort is not retried', 'GET', 'UND_ERR_ABORTED', true, false],
  ];
  for (const [rule, method, code, untouched, retried] of cases) {
    it(rule, () => assert.equal(retryableFailure(DEFAULT_RETRY, method, err(code), untouched), retried));
  }

  it('a route policy narrows the conditions and sets the count', () => {
    const onlyConnect = compileRetry({ attempts: 3, on: ['connect-failure'] });
    assert.equal(onlyConnect.attempts, 3);
    assert.equal(retryableFailure(onlyConnect, 'GET', err('ECONNRESET'), true), false);
    assert.equal(retryableFailure(onlyConnect, 'GET', err('ECONNREFUSED'), true), true);
    assert.deepEqual(onlyConnect.onStatus, []);
    assert.deepEqual(compileRetry({ attempts: 1, on: ['503', 'reset', '504'] }).onStatus, [503, 504]);
    assert.deepEqual(DEFAULT_RETRY.onStatus, [], 'an upstream answer is passed on unless a route asks');
    const none = compileRetry({ attempts: 0, on: [] });
    assert.equal(retryableFailure(none, 'GET', err('ECONNREFUSED'), true), false);
  });

  it('errors are classified by reason for upstream_errors_total', () => {
    assert.equal(upstreamErrorReason(err('ECONNREFUSED')), 'connect');
    assert.equal(upstreamErrorReason(err('UND_ERR_CONNECT_TIMEOUT')), 'timeout');
    assert.equal(upstreamErrorReason(err('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
    assert.equal(upstreamErrorReason(err('UND_ERR_SOCKET')), 'reset');
    assert.equal(upstreamErrorReason(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'tls');
    assert.equal(upstreamErrorReason(err('SELF_SIGNED_CERT_IN_CHAIN')), 'tls');
    assert.equal(upstreamErrorReason(err('UND_ERR_ABORTED')), undefined);
    assert.equal(isConnectFailure(err('UND_ERR_HEADERS_TIMEOUT')), false);
  });

  it('the budget allows retries up to 20% of requests in flight, and always a few', () => {
    const budget = new RetryBudget(3);
    budget.active = 100;
    budget.retrying = 19;
    assert.equal(budget.allows(20), true);
    budget.retrying = 20;
    assert.equal(budget.allows(20), false);
    budget.active = 2;
    budget.retrying = 2;
    assert.equal(budget.allows(20), true);
    budget.retrying = 3;
    assert.equal(budget.allows(20), false);
  });

  it('a connection refused at once spends no retry budget; every other retried failure does', () => {
    // A draining pod refuses new connections before the endpoint update arrives: these retries
    // reach no application, so denying them only turns a rollout into 502s.
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN'])
      assert.equal(retrySpendsBudget(err(code)), false, code);
    for (const code of [
      'UND_ERR_CONNECT_TIMEOUT',
      'ENOTFOUND',
      'UND_ERR_SOCKET',
      'ECONNRESET',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ])
      assert.equal(retrySpendsBudget(err(code)), true, code);
    assert.equal(retrySpendsBudget(undefined), true, 'a retried status spends budget');
  });
});
