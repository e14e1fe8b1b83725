// ingress-nginx annotations.md#rewrite (app-root), #redirect-fromto-www, #server-alias;
// rewrite/main.go (app-root validation), alias/main.go (split, trim, dedupe, sort),
// test/e2e/annotations/approot.go, fromtowwwredirect.go, serveralias.go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsed } from './testing.ts';

const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;

const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['absent', {}, undefined],
  ['app-root', { 'app-root': '/app1' }, { appRoot: '/app1' }],
  ['app-root trimmed', { 'app-root': ' /foo/bar ' }, { appRoot: '/foo/bar' }],
  [
    'app-root with a scheme is refused',
    { 'app-root': 'http://x.example/app' },
    undefined,
    [field('app-root')],
  ],
  ['app-root relative is refused', { 'app-root': 'app1' }, undefined, [field('app-root')]],
  ['app-root with a query is refused', { 'app-root': '/app?x=1' }, undefined, [field('app-root')]],
  ['app-root with an nginx variable is refused', { 'app-root': '/$host' }, undefined, [field('app-root')]],
  ['from-to-www-redirect true', { 'from-to-www-redirect': 'true' }, { fromToWww: true }],
  ['from-to-www-redirect false', { 'from-to-www-redirect': 'false' }, undefined],
  [
    'from-to-www-redirect invalid',
    { 'from-to-www-redirect': 'yes' },
    undefined,
    [field('from-to-www-redirect')],
  ],
  [
    'server-alias split, trimmed, deduplicated, lower-cased and sorted',
    { 'server-alias': 'b.example, A.example,,b.example ,*.c.example' },
    { aliases: ['*.c.example', 'a.example', 'b.example'] },
  ],
  ['server-alias only commas', { 'server-alias': ' , ' }, undefined],
  [
    'server-alias with a regex is refused',
    { 'server-alias': 'a.example,~^x' },
    undefined,
    [field('server-alias')],
  ],
  [
    'server-alias with a port is refused',
    { 'server-alias': 'a.example:8080' },
    undefined,
    [field('server-alias')],
  ],
  [
    'all three',
    { 'app-root': '/a', 'from-to-www-redirect': 'true', 'server-alias': 'x.example' },
    { appRoot: '/a', fromToWww: true, aliases: ['x.example'] },
  ],
];
for (const [name, values, expected, invalid = []] of cases) {
  test(`host names: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.deepEqual(result.host, expected);
    assert.deepEqual(got, invalid);
  });
}
