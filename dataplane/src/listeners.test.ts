import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusForClientError } from './listeners.ts';

test('parse errors map to 431 for oversized headers, 408 for timeouts, else 400', () => {
  const cases: Array<[string | undefined, number]> = [
    ['HPE_HEADER_OVERFLOW', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['ERR_HTTP_HEADERS_TIMEOUT', 408],
    ['HPE_INVALID_HEADER_TOKEN', 400],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400],
    [undefined, 400],
  ];
  for (const [code, status] of cases) assert.equal(statusForClientError(code), status, String(code));
});
