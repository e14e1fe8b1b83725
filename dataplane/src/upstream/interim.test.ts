import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interimOverdue, interimTimeout } from './interim.ts';

describe('interim responses', () => {
  it('1xx are allowed for the response-header timeout from the first one, then overdue', () => {
    const attempt = { interimSince: 0 };
    assert.equal(interimOverdue(attempt, 1000, 500), false, 'the first 1xx starts the clock');
    assert.equal(interimOverdue(attempt, 1400, 500), false);
    assert.equal(interimOverdue(attempt, 1500, 500), false, 'exactly at the limit is still in time');
    assert.equal(interimOverdue(attempt, 1501, 500), true);
  });

  it('a new attempt starts a new clock', () => {
    const attempt = { interimSince: 100 };
    attempt.interimSince = 0;
    assert.equal(interimOverdue(attempt, 10_000, 500), false);
  });

  it('an overdue attempt ends as a headers timeout (504)', () => {
    assert.equal((interimTimeout() as { code?: string }).code, 'UND_ERR_HEADERS_TIMEOUT');
  });
});
