import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenerErrorHandler, statusForClientError } from './listeners.ts';

test('parse errors map to 431 for oversized headers, 408 for timeouts, 505 for versions, else 400', () => {
  const cases: Array<[string | undefined, number]> = [
    ['HPE_HEADER_OVERFLOW', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['ERR_HTTP_HEADERS_TIMEOUT', 408],
    ['HPE_INVALID_HEADER_TOKEN', 400],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400],
    // `HTTP/3.0`, `HTTP/1.2`: nginx answers a version it does not speak with 505.
    ['HPE_INVALID_VERSION', 505],
    [undefined, 400],
  ];
  for (const [code, status] of cases) assert.equal(statusForClientError(code), status, String(code));
});

test('a listener error while binding is fatal; a failed accept once listening is logged and serving goes on', () => {
  const fatal: string[] = [];
  const warned: object[] = [];
  const log = { warn: (_m: string, meta?: object) => warned.push(meta ?? {}) };
  const state = { listening: false };
  const onError = listenerErrorHandler(state, '127.0.0.1:8080', (m) => fatal.push(m), log);
  onError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }));
  assert.deepEqual(fatal, ['cannot listen on 127.0.0.1:8080: listen EADDRINUSE']);
  state.listening = true;
  onError(Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
  assert.equal(fatal.length, 1, 'an accept failure does not stop the worker');
  assert.deepEqual(warned, [{ listener: '127.0.0.1:8080', error: 'accept EMFILE', code: 'EMFILE' }]);
});
