// ingress-nginx enable-cors: nginx.tmpl `define "CORS"` (headers, 204 with text/plain and length 0),
// template.go buildCorsOriginRegex/buildOriginRegex (`*` → `[A-Za-z0-9\-]+`, matched with `~*`),
// test/e2e/annotations/cors.go (wildcard and port cases).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CorsPolicy } from '../table/types.ts';
import { addCorsHeaders, allowedOrigin, compileCors } from './cors.ts';

const DEFAULTS = {
  allowMethods: 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
  allowHeaders:
    'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
  allowCredentials: true,
  maxAgeSeconds: 1728000,
};
const policy = (allowOrigins: string[], more: Partial<CorsPolicy> = {}) =>
  compileCors({ ...DEFAULTS, allowOrigins, ...more })!;

test('cors: * answers * to every request, with or without Origin', () => {
  const cors = policy(['*']);
  assert.equal(allowedOrigin(cors, 'https://a.test'), '*');
  assert.equal(allowedOrigin(cors, undefined), '*');
});

test('cors: listed origins are echoed, compared case-insensitively; others get nothing', () => {
  const cors = policy(['https://origin.test', 'http://origin.test:8080', 'null']);
  assert.equal(allowedOrigin(cors, 'https://origin.test'), 'https://origin.test');
  assert.equal(allowedOrigin(cors, 'HTTPS://Origin.Test'), 'HTTPS://Origin.Test');
  assert.equal(allowedOrigin(cors, 'http://origin.test:8080'), 'http://origin.test:8080');
  assert.equal(allowedOrigin(cors, 'null'), 'null');
  // The port is part of the origin: `$` anchors the regex at the end.
  assert.equal(allowedOrigin(cors, 'https://origin.test:443'), undefined);
  assert.equal(allowedOrigin(cors, 'http://origin.test'), undefined);
  assert.equal(allowedOrigin(cors, 'https://origin.test.evil'), undefined);
  assert.equal(allowedOrigin(cors, 'xhttps://origin.test'), undefined);
  assert.equal(allowedOrigin(cors, undefined), undefined);
});

test('cors: a wildcard stands for exactly one DNS label', () => {
  const cors = policy(['https://*.origin.test', 'http://*.origin.test:8080']);
  assert.equal(allowedOrigin(cors, 'https://a.origin.test'), 'https://a.origin.test');
  assert.equal(allowedOrigin(cors, 'https://a-b9.origin.test'), 'https://a-b9.origin.test');
  assert.equal(allowedOrigin(cors, 'http://x.origin.test:8080'), 'http://x.origin.test:8080');
  assert.equal(allowedOrigin(cors, 'https://a.b.origin.test'), undefined);
  assert.equal(allowedOrigin(cors, 'https://origin.test'), undefined);
  assert.equal(allowedOrigin(cors, 'https://.origin.test'), undefined);
  assert.equal(allowedOrigin(cors, 'http://x.origin.test'), undefined);
  assert.equal(allowedOrigin(cors, 'https://a_b.origin.test'), undefined);
});

test('cors: answer headers replace the upstream ones and Vary names Origin', () => {
  const cors = policy(['https://origin.test'], { exposeHeaders: 'X-Total', allowCredentials: false });
  const headers: Record<string, string | string[] | undefined> = {
    'access-control-allow-origin': 'https://upstream.test',
    vary: 'Accept-Encoding',
  };
  addCorsHeaders(headers, cors, { origin: 'https://origin.test' });
  assert.deepEqual(headers, {
    'access-control-allow-origin': 'https://origin.test',
    'access-control-allow-methods': DEFAULTS.allowMethods,
    'access-control-allow-headers': DEFAULTS.allowHeaders,
    'access-control-expose-headers': 'X-Total',
    'access-control-max-age': '1728000',
    vary: 'Accept-Encoding, Origin',
  });
});

test('cors: an origin not allowed gets no CORS header, but Vary: Origin all the same', () => {
  const cors = policy(['https://origin.test']);
  const headers: Record<string, string | string[] | undefined> = {};
  addCorsHeaders(headers, cors, { origin: 'https://other.test' });
  assert.deepEqual(headers, { vary: 'Origin' });
  const already: Record<string, string | string[] | undefined> = { vary: 'origin' };
  addCorsHeaders(already, cors, {});
  assert.deepEqual(already, { vary: 'origin' });
});

test('cors: * needs no Vary, credentials are sent when allowed', () => {
  const cors = policy(['*']);
  const headers: Record<string, string | string[] | undefined> = {};
  addCorsHeaders(headers, cors, {});
  assert.equal(headers['access-control-allow-origin'], '*');
  assert.equal(headers['access-control-allow-credentials'], 'true');
  assert.equal(headers.vary, undefined);
  assert.equal(headers['access-control-expose-headers'], undefined);
});
