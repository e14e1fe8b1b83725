// ingress-nginx v1.11 annotations.md#global-rate-limiting; internal/ingress/annotations/
// globalratelimit/main.go (Limit and WindowSize both needed, else no limit; the window parsed by
// time.ParseDuration and kept in whole seconds; key `$remote_addr` by default; ignored CIDRs by
// net.ParseCIDRs); test/e2e/annotations/globalratelimit.go (limit 5, window 2m).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic } from '../../snapshot.ts';
import { parseAnnotations } from './parse.ts';

const P = 'nginx.ingress.kubernetes.io';

function parse(values: Record<string, string>) {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) annotations[`${P}/${k}`] = v;
  const diagnostics: Diagnostic[] = [];
  const result = parseAnnotations(
    { namespace: 'ns', name: 'app', created: 0, annotations, spec: {} },
    P,
    diagnostics,
  );
  return {
    limit: result.route.globalRateLimit,
    denied: result.denied,
    reported: diagnostics.map((d) => `${d.field} ${d.reason}`),
  };
}

const field = (k: string) => `metadata.annotations["${P}/${k}"]`;
const L = 'global-rate-limit';

const cases: Array<[string, Record<string, string>, unknown]> = [
  ['absent: no limit', {}, undefined],
  ['a limit without a window limits nothing', { [L]: '5' }, undefined],
  ['a window without a limit limits nothing', { [`${L}-window`]: '1m' }, undefined],
  ['a window under a second is 0 s: no limit', { [L]: '5', [`${L}-window`]: '500ms' }, undefined],
  [
    'e2e globalratelimit.go: 5 per 2m, the zone is the Ingress',
    { [L]: '5', [`${L}-window`]: '2m' },
    { zone: 'ns/app', limit: 5, windowSeconds: 120 },
  ],
  [
    'a compound Go duration, and the default key named',
    { [L]: '100', [`${L}-window`]: '1h30m', [`${L}-key`]: '$remote_addr' },
    { zone: 'ns/app', limit: 100, windowSeconds: 5400 },
  ],
  [
    'ignored CIDRs are never counted',
    { [L]: '1', [`${L}-window`]: '1s', [`${L}-ignored-cidrs`]: '10.0.0.0/8, 192.0.2.1' },
    { zone: 'ns/app', limit: 1, windowSeconds: 1, exempt: ['10.0.0.0/8', '192.0.2.1'] },
  ],
];

for (const [name, values, expected] of cases) {
  test(`global rate limit: ${name}`, () => {
    const got = parse(values);
    assert.deepEqual(got.limit, expected);
    assert.equal(got.denied, undefined);
    assert.deepEqual(got.reported, []);
  });
}

const closing: Array<[string, Record<string, string>, string]> = [
  ['a limit that is no number', { [L]: 'many', [`${L}-window`]: '1m' }, L],
  ['a window that is no Go duration', { [L]: '5', [`${L}-window`]: '1 minute' }, `${L}-window`],
  [
    'a key other than the client address',
    { [L]: '5', [`${L}-window`]: '1m', [`${L}-key`]: '$http_x_api_key' },
    `${L}-key`,
  ],
  [
    'a bad ignored CIDR',
    { [L]: '5', [`${L}-window`]: '1m', [`${L}-ignored-cidrs`]: 'nope' },
    `${L}-ignored-cidrs`,
  ],
];

for (const [name, values, key] of closing) {
  test(`global rate limit: ${name} closes the Ingress (503) with a diagnostic`, () => {
    const got = parse(values);
    assert.equal(got.limit, undefined);
    assert.deepEqual(got.denied, ['global-rate-limit']);
    assert.deepEqual(got.reported, [`${field(key)} InvalidAccessAnnotation`]);
  });
}
