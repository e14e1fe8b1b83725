// ingress-nginx annotations.md#custom-http-errors, #default-backend; parsers in
// internal/ingress/annotations/{customhttperrors,defaultbackend,disableproxyintercepterrors}/main.go.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Route } from '../../../../dataplane/src/table/types.ts';
import { hostOf, ingress, ready, reasons, rule, run, service, slice } from '../testkit.ts';
import { errorPagesFor } from './error-pages.ts';
import { parsed } from './testing.ts';

type Case = [name: string, values: Record<string, string>, expected: unknown, invalid?: string[]];
const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;

describe('custom-http-errors and default-backend', () => {
  const cases: Case[] = [
    ['absent', {}, undefined],
    ['codes, sorted, duplicates once', { 'custom-http-errors': '503,404,503' }, { codes: [404, 503] }],
    // e2e customhttperrors.go writes "404, 503"; main.go trims items and skips empty ones.
    ['spaces and a trailing comma', { 'custom-http-errors': '404, 500,' }, { codes: [404, 500] }],
    ['bounds 400 and 599', { 'custom-http-errors': '400,599' }, { codes: [400, 599] }],
    ['a 3xx is refused', { 'custom-http-errors': '404,302' }, undefined, [field('custom-http-errors')]],
    ['600 is refused', { 'custom-http-errors': '600' }, undefined, [field('custom-http-errors')]],
    ['not a number', { 'custom-http-errors': 'abc' }, undefined, [field('custom-http-errors')]],
    [
      'with default-backend',
      { 'custom-http-errors': '404', 'default-backend': 'errors' },
      { codes: [404], service: 'errors' },
    ],
    [
      'default-backend alone: for a Service without endpoints',
      { 'default-backend': 'errors' },
      { codes: [], service: 'errors' },
    ],
    [
      'default-backend not a Service name',
      { 'custom-http-errors': '404', 'default-backend': 'ns/errors' },
      { codes: [404] },
      [field('default-backend')],
    ],
    [
      'disable-proxy-intercept-errors turns the codes off',
      { 'custom-http-errors': '404', 'disable-proxy-intercept-errors': 'true' },
      undefined,
    ],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.deepEqual(result.route.errorPages, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('errorPagesFor: X-Service-Name and X-Service-Port from the route backend', () => {
  const route = (backend?: string): Route => ({
    id: 'r',
    source: { kind: 'Ingress', namespace: 'ns', name: 'app' },
    match: { path: { type: 'Prefix', value: '/' } },
    backends: backend === undefined ? [] : [{ backend, weight: 1 }],
    filters: [],
  });
  test('port number, settings variant left out', () => {
    assert.deepEqual(errorPagesFor(route('ns/web:8080~ab12cd34'), { codes: [404] }, 'ns/errors:80', false), {
      codes: [404],
      backend: 'ns/errors:80',
      service: 'web',
      servicePort: '8080',
    });
  });
  test('port name; noEndpoints with default-backend', () => {
    assert.deepEqual(errorPagesFor(route('ns/web:http'), { codes: [], service: 'e' }, 'ns/e:80', true), {
      codes: [],
      backend: 'ns/e:80',
      service: 'web',
      servicePort: 'http',
      noEndpoints: true,
    });
  });
  test('a route sending nowhere gets none', () => {
    assert.equal(errorPagesFor(route(), { codes: [404] }, 'ns/e:80', false), undefined);
  });
});

describe('translation: the error backend resolved (customhttperrors, defaultbackend, controller.go)', () => {
  const P = 'nginx.ingress.kubernetes.io';
  const objects = (annotations: Record<string, string>) => ({
    ingresses: [ingress('app', { rules: [rule('a.example', ['/'])] }, { annotations })],
    services: [
      service('web', [{ port: 80, targetPort: 8080 }]),
      service('errors', [
        { port: 8080, targetPort: 8080 },
        { port: 9090, targetPort: 9090 },
      ]),
    ],
    endpointSlices: [slice('web-1', 'web', [{ port: 8080 }], [ready('10.0.0.1')])],
  });
  const pagesOf = (result: ReturnType<typeof run>) => hostOf(result, 'a.example').routes[0]?.errorPages;

  test("default-backend: the Service of the Ingress's namespace, by its first port", () => {
    const result = run(objects({ [`${P}/custom-http-errors`]: '404', [`${P}/default-backend`]: 'errors' }));
    assert.deepEqual(pagesOf(result), {
      codes: [404],
      backend: 'default/errors:8080',
      service: 'web',
      servicePort: '80',
      noEndpoints: true,
    });
    assert.ok(result.table.backends['default/errors:8080']);
  });

  test('custom-http-errors alone: --default-backend-service', () => {
    const result = run(objects({ [`${P}/custom-http-errors`]: '404' }), {
      defaultBackendService: 'default/errors',
    });
    assert.deepEqual(pagesOf(result), {
      codes: [404],
      backend: 'default/errors:8080',
      service: 'web',
      servicePort: '80',
    });
  });

  test('no error backend at all: a diagnostic, and the answers are relayed', () => {
    const result = run(objects({ [`${P}/custom-http-errors`]: '404' }));
    assert.equal(pagesOf(result), undefined);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/custom-http-errors"] NoDefaultBackend`,
    ]);
  });

  test('a default-backend Service that does not exist: a diagnostic, no error pages', () => {
    const result = run(objects({ [`${P}/custom-http-errors`]: '404', [`${P}/default-backend`]: 'gone' }));
    assert.equal(pagesOf(result), undefined);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/default-backend"] ServiceNotFound`,
    ]);
  });
});
