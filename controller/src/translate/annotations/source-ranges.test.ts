// ingress-nginx annotations.md#whitelist-source-range, #denylist-source-range;
// internal/ingress/annotations/ipallowlist/main.go and ipdenylist/main.go (allowlist- read first,
// whitelist- as its alias; net.ParseIPNets: any bad entry → LocationDenied, 503), parser
// checkAnnotation (an empty alias is skipped; an empty value is refused), nginx.tmpl (deny lines
// before allow lines and `deny all`), test/e2e/annotations/ipwhitelist.go and ipdenylist.go
// ("18.0.0.0/8, 56.0.0.0/8").
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
    access: result.route.clientAccess,
    denied: result.denied,
    reported: diagnostics.map((d) => `${d.field} ${d.reason}`),
  };
}

const field = (k: string) => `metadata.annotations["${P}/${k}"]`;

const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['absent: everyone is served', {}, undefined],
  [
    'whitelist (e2e ipwhitelist.go): allow those, deny all others',
    { 'whitelist-source-range': '18.0.0.0/8, 56.0.0.0/8' },
    { rules: [{ action: 'allow', cidrs: ['18.0.0.0/8', '56.0.0.0/8'] }], otherwise: 'deny' },
  ],
  [
    'allowlist, the newer name',
    { 'allowlist-source-range': '10.0.0.1,2001:db8::/32' },
    { rules: [{ action: 'allow', cidrs: ['10.0.0.1', '2001:db8::/32'] }], otherwise: 'deny' },
  ],
  [
    'allowlist wins over its whitelist alias',
    { 'allowlist-source-range': '10.0.0.0/8', 'whitelist-source-range': '192.168.0.0/16' },
    { rules: [{ action: 'allow', cidrs: ['10.0.0.0/8'] }], otherwise: 'deny' },
  ],
  [
    'an empty allowlist lets the alias speak',
    { 'allowlist-source-range': '', 'whitelist-source-range': '192.168.0.0/16' },
    { rules: [{ action: 'allow', cidrs: ['192.168.0.0/16'] }], otherwise: 'deny' },
  ],
  [
    'denylist (e2e ipdenylist.go): deny those, serve all others',
    { 'denylist-source-range': '18.0.0.0/8, 56.0.0.0/8' },
    { rules: [{ action: 'deny', cidrs: ['18.0.0.0/8', '56.0.0.0/8'] }], otherwise: 'allow' },
  ],
  [
    'both: the deny lines come first (nginx.tmpl)',
    { 'denylist-source-range': '10.0.0.5', 'whitelist-source-range': '10.0.0.0/24' },
    {
      rules: [
        { action: 'deny', cidrs: ['10.0.0.5'] },
        { action: 'allow', cidrs: ['10.0.0.0/24'] },
      ],
      otherwise: 'deny',
    },
  ],
  [
    'host bits and repeats are kept as written (the worker masks them)',
    { 'whitelist-source-range': '10.1.2.3/8,10.1.2.3/8' },
    { rules: [{ action: 'allow', cidrs: ['10.1.2.3/8'] }], otherwise: 'deny' },
  ],
];
for (const [name, values, expected] of cases) {
  test(`source ranges: ${name}`, () => {
    const { access, denied, reported } = parse(values);
    assert.deepEqual(access, expected);
    assert.equal(denied, undefined);
    assert.deepEqual(reported, []);
  });
}

const refused: Array<[string, Record<string, string>, string]> = [
  [
    'one bad entry refuses the whole list',
    { 'whitelist-source-range': '10.0.0.0/8,nope' },
    'whitelist-source-range',
  ],
  ['a prefix too long', { 'denylist-source-range': '10.0.0.0/33' }, 'denylist-source-range'],
  [
    'a trailing comma (an empty entry)',
    { 'allowlist-source-range': '10.0.0.0/8,' },
    'allowlist-source-range',
  ],
  ['an empty allowlist without alias', { 'allowlist-source-range': '' }, 'allowlist-source-range'],
  ['a blank denylist', { 'denylist-source-range': '  ' }, 'denylist-source-range'],
  ['a host name', { 'whitelist-source-range': 'example.com' }, 'whitelist-source-range'],
  ['an IPv6 zone', { 'whitelist-source-range': 'fe80::1%eth0' }, 'whitelist-source-range'],
  [
    'a good allowlist does not save a bad denylist',
    { 'allowlist-source-range': '10.0.0.0/8', 'denylist-source-range': '10.0.0.300' },
    'denylist-source-range',
  ],
];
for (const [name, values, key] of refused) {
  test(`source ranges: ${name} → fail closed (503)`, () => {
    const { access, denied, reported } = parse(values);
    assert.equal(access, undefined);
    assert.deepEqual(denied, ['source-range']);
    assert.deepEqual(reported, [`${field(key)} InvalidAccessAnnotation`]);
  });
}

test('source ranges: more entries than the table takes fail closed', () => {
  const many = Array.from({ length: 4097 }, (_, i) => `10.${i >> 8}.${i & 255}.1`).join(',');
  const { denied } = parse({ 'whitelist-source-range': many });
  assert.deepEqual(denied, ['source-range']);
});
