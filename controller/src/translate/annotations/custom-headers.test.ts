// ingress-nginx annotations.md#custom-headers; parser internal/ingress/annotations/customheaders/
// main.go (header and value regexes, global-allowed-response-headers, LocationDenied on any bad
// entry) and test/e2e/annotations/customheaders.go (a missing ConfigMap answers 503; the headers
// listed in global-allowed-response-headers are set on the answer, `$remote_addr` kept literally).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigMap } from '../../snapshot.ts';
import { ingress, ready, reasons, rule, run, service, slice } from '../testkit.ts';
import { MAX_CUSTOM_HEADERS } from './custom-headers.ts';
import { parsed } from './testing.ts';

const FIELD = 'metadata.annotations["nginx.ingress.kubernetes.io/custom-headers"]';

describe('custom-headers parsing (customheaders/main.go)', () => {
  const cases: Array<[string, Record<string, string>, unknown]> = [
    ['absent', {}, undefined],
    ['empty reads as unset', { 'custom-headers': ' ' }, undefined],
    [
      'own namespace',
      { 'custom-headers': 'ns/headers' },
      { configMap: { namespace: 'ns', name: 'headers' } },
    ],
    ['another namespace is denied', { 'custom-headers': 'other/headers' }, 'denied: another namespace'],
    [
      'a bare name is denied (the store is keyed namespace/name)',
      { 'custom-headers': 'headers' },
      'denied: form',
    ],
    ['too many slashes is denied', { 'custom-headers': 'ns/a/b' }, 'denied: form'],
  ];
  for (const [name, values, expected] of cases) {
    test(name, () => {
      const { result, invalid } = parsed(values);
      const got = result.customHeaders;
      const shown =
        got?.denied === undefined
          ? got
          : `denied: ${got.denied.includes('another namespace') ? 'another namespace' : 'form'}`;
      assert.deepEqual(shown, expected);
      assert.deepEqual(invalid, []);
    });
  }
});

const web = service('web', [{ name: 'http', port: 80 }]);
const slices = [slice('web-1', 'web', [{ name: 'http', port: 8080 }], [ready('10.0.0.1')])];

function headersIngress(value: string) {
  return ingress(
    'app',
    { rules: [rule('app.example.com', ['/'], 'web', 80)] },
    { annotations: { 'nginx.ingress.kubernetes.io/custom-headers': value } },
  );
}

function configMap(name: string, data: Record<string, string>, namespace = 'default'): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

const E2E_DATA = { 'My-Custom-Header': '42', 'My-Custom-Header-Dollar': '$remote_addr' };
const E2E_ALLOWED = ['My-Custom-Header', 'My-Custom-Header-Dollar'];

describe('custom-headers through translation', () => {
  test('the allowed headers of the ConfigMap are set on every answer of the routes (e2e)', () => {
    const result = run(
      {
        ingresses: [headersIngress('default/custom-headers')],
        services: [web],
        endpointSlices: slices,
        configMaps: [configMap('custom-headers', E2E_DATA)],
      },
      { globalAllowedResponseHeaders: E2E_ALLOWED },
    );
    assert.deepEqual(reasons(result), []);
    const route = result.table.hosts[0]?.routes[0];
    assert.equal(route?.backends.length, 1);
    assert.deepEqual(route?.filters, [
      {
        type: 'ResponseHeaderModifier',
        set: [
          { name: 'My-Custom-Header', value: '42' },
          // nginx variables are not expanded: more_set_headers is given the text (e2e asserts it).
          { name: 'My-Custom-Header-Dollar', value: '$remote_addr' },
        ],
      },
    ]);
  });

  test('an empty ConfigMap sets nothing and denies nothing', () => {
    const result = run({
      ingresses: [headersIngress('default/custom-headers')],
      services: [web],
      endpointSlices: slices,
      configMaps: [configMap('custom-headers', {})],
    });
    assert.deepEqual(reasons(result), []);
    assert.deepEqual(result.table.hosts[0]?.routes[0]?.filters, [
      { type: 'ResponseHeaderModifier', set: [] },
    ]);
  });

  const many = Object.fromEntries(Array.from({ length: MAX_CUSTOM_HEADERS + 1 }, (_, i) => [`X-H${i}`, 'v']));
  const denied: Array<[string, string, ConfigMap[], string[] | undefined, string]> = [
    ['a missing ConfigMap (e2e: 503)', 'default/custom-headers', [], E2E_ALLOWED, 'not found'],
    [
      'the default allowlist is empty: every header refused',
      'default/custom-headers',
      [configMap('custom-headers', E2E_DATA)],
      undefined,
      'My-Custom-Header is not in --global-allowed-response-headers',
    ],
    [
      'a header outside the allowlist',
      'default/custom-headers',
      [configMap('custom-headers', { ...E2E_DATA, 'X-Other': '1' })],
      E2E_ALLOWED,
      'X-Other is not in',
    ],
    [
      'the allowlist is case-sensitive (slices.Contains)',
      'default/custom-headers',
      [configMap('custom-headers', { 'my-custom-header': '1' })],
      E2E_ALLOWED,
      'my-custom-header is not in',
    ],
    [
      'a name that is not [A-Za-z0-9-_]+',
      'default/custom-headers',
      [configMap('custom-headers', { 'X.Dot': '1' })],
      ['X.Dot'],
      '"X.Dot" is not a valid header name',
    ],
    [
      'a value with CR/LF',
      'default/custom-headers',
      [configMap('custom-headers', { 'My-Custom-Header': '1\r\nSet-Cookie: a=b' })],
      E2E_ALLOWED,
      'the value of My-Custom-Header is not a valid header value',
    ],
    [
      'an empty value',
      'default/custom-headers',
      [configMap('custom-headers', { 'My-Custom-Header': '' })],
      E2E_ALLOWED,
      'not a valid header value',
    ],
    [
      `more than ${MAX_CUSTOM_HEADERS} headers`,
      'default/custom-headers',
      [configMap('custom-headers', many)],
      Object.keys(many),
      `more than ${MAX_CUSTOM_HEADERS}`,
    ],
    [
      'a ConfigMap of another namespace, even if present',
      'other/custom-headers',
      [configMap('custom-headers', E2E_DATA, 'other')],
      E2E_ALLOWED,
      'another namespace',
    ],
  ];
  for (const [name, value, configMaps, allowed, message] of denied) {
    test(`${name}: the Ingress's routes answer 503 with a Warning naming the annotation`, () => {
      const result = run(
        {
          ingresses: [
            headersIngress(value),
            ingress('other', { rules: [rule('other.example.com', ['/'], 'web', 80)] }),
          ],
          services: [web],
          endpointSlices: slices,
          configMaps,
        },
        allowed === undefined ? {} : { globalAllowedResponseHeaders: allowed },
      );
      assert.deepEqual(reasons(result), [`Ingress default/app ${FIELD} InvalidCustomHeaders`]);
      assert.ok(result.diagnostics[0]?.message.includes(message), result.diagnostics[0]?.message);
      const app = result.table.hosts.find((h) => h.host === 'app.example.com');
      assert.deepEqual(app?.routes[0]?.backends, []);
      assert.deepEqual(app?.routes[0]?.filters, []);
      // Another Ingress keeps serving.
      const other = result.table.hosts.find((h) => h.host === 'other.example.com');
      assert.equal(other?.routes[0]?.backends.length, 1);
    });
  }
});
