// ingress-nginx annotations.md#rate-limiting; internal/ingress/annotations/ratelimit/main.go (limit-rps,
// limit-rpm, limit-connections parsed as integers, 0 = none; burst = rate × limit-burst-multiplier,
// defBurst 5 when absent or invalid; limit-allowlist with limit-whitelist as its alias, parsed by
// net.ParseIPNets; zone name `namespace_name_uid`: one zone per Ingress); test/e2e/annotations/
// limitrate.go, limitconnections.go.
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
    limit: result.route.rateLimit,
    denied: result.denied,
    reported: diagnostics.map((d) => `${d.field} ${d.reason}`),
  };
}

const field = (k: string) => `metadata.annotations["${P}/${k}"]`;

const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['absent: no limit', {}, undefined],
  ['0 is no limit (ratelimit/main.go: Limit > 0)', { 'limit-rps': '0', 'limit-connections': '0' }, undefined],
  [
    'limit-rps with the default multiplier 5; the zone is the Ingress',
    { 'limit-rps': '10' },
    { zone: 'ns/app', rps: 10, burstMultiplier: 5 },
  ],
  [
    'limit-rpm and an explicit multiplier (e2e limitrate.go)',
    { 'limit-rpm': '60', 'limit-burst-multiplier': '3' },
    { zone: 'ns/app', rpm: 60, burstMultiplier: 3 },
  ],
  [
    'rps, rpm and connections together: each applies',
    { 'limit-rps': '5', 'limit-rpm': '100', 'limit-connections': '2' },
    { zone: 'ns/app', rps: 5, rpm: 100, connections: 2, burstMultiplier: 5 },
  ],
  [
    'limit-connections alone (e2e limitconnections.go)',
    { 'limit-connections': '1' },
    { zone: 'ns/app', connections: 1, burstMultiplier: 5 },
  ],
  [
    'limit-whitelist exempts its clients',
    { 'limit-rps': '1', 'limit-whitelist': '10.0.0.0/8, 2001:db8::1' },
    { zone: 'ns/app', rps: 1, burstMultiplier: 5, exempt: ['10.0.0.0/8', '2001:db8::1'] },
  ],
  [
    'limit-allowlist wins over its limit-whitelist alias',
    { 'limit-rps': '1', 'limit-allowlist': '192.0.2.0/24', 'limit-whitelist': '10.0.0.0/8' },
    { zone: 'ns/app', rps: 1, burstMultiplier: 5, exempt: ['192.0.2.0/24'] },
  ],
  [
    'an empty allow list exempts nobody',
    { 'limit-rps': '1', 'limit-allowlist': '' },
    { zone: 'ns/app', rps: 1, burstMultiplier: 5 },
  ],
  [
    'an invalid multiplier is reported and 5 applies',
    { 'limit-rps': '2', 'limit-burst-multiplier': 'lots' },
    { zone: 'ns/app', rps: 2, burstMultiplier: 5 },
    [`${field('limit-burst-multiplier')} InvalidAnnotation`],
  ],
  [
    'a multiplier of 0 is reported and 5 applies',
    { 'limit-rps': '2', 'limit-burst-multiplier': '0' },
    { zone: 'ns/app', rps: 2, burstMultiplier: 5 },
    [`${field('limit-burst-multiplier')} InvalidAnnotation`],
  ],
  ['an allow list without a limit limits nothing', { 'limit-whitelist': '10.0.0.0/8' }, undefined],
];

for (const [name, values, expected, reported = []] of cases) {
  test(`rate limits: ${name}`, () => {
    const got = parse(values);
    assert.deepEqual(got.limit, expected);
    assert.equal(got.denied, undefined);
    assert.deepEqual(got.reported, reported);
  });
}

// Gatehouse closes the Ingress where ingress-nginx would drop the limit and serve it open.
const closing: Array<[string, Record<string, string>, string]> = [
  ['limit-rps that is no number', { 'limit-rps': 'ten' }, 'limit-rps'],
  ['a negative limit-rpm', { 'limit-rpm': '-1' }, 'limit-rpm'],
  ['a fractional limit-connections', { 'limit-connections': '1.5' }, 'limit-connections'],
  ['a limit beyond 10^9', { 'limit-rps': '99999999999' }, 'limit-rps'],
  [
    'an allow list with a bad entry',
    { 'limit-rps': '1', 'limit-whitelist': '10.0.0.0/8, nope' },
    'limit-whitelist',
  ],
];

for (const [name, values, key] of closing) {
  test(`rate limits: ${name} closes the Ingress (503) with a diagnostic`, () => {
    const got = parse(values);
    assert.equal(got.limit, undefined);
    assert.deepEqual(got.denied, ['rate-limit']);
    assert.deepEqual(got.reported, [`${field(key)} InvalidAccessAnnotation`]);
  });
}
