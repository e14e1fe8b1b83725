import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referencedConfigMaps } from './configmap-references.ts';
import { ingress, OPTIONS, rule } from './testkit.ts';

const headers = (name: string, namespace: string, value: string) =>
  ingress(
    name,
    { rules: [rule(`${name}.example.com`, ['/'])] },
    { namespace, annotations: { 'nginx.ingress.kubernetes.io/custom-headers': value } },
  );

test('only the own-namespace ConfigMaps of custom-headers are referenced; nothing else is ever requested', () => {
  const objects = {
    ingresses: [
      headers('a', 'team', 'team/site-headers'),
      headers('b', 'team', 'other/stolen'),
      headers('c', 'team', 'bare'),
      headers('d', 'team', 'team/Not_A_Name'),
      headers('e', 'team', 'team/x,type=y'),
      {
        ...headers('f', 'team', 'team/not-ours'),
        spec: { ...headers('f', 'team', '').spec, ingressClassName: 'other' },
      },
    ],
    ingressClasses: [],
  };
  assert.deepEqual([...referencedConfigMaps(objects, OPTIONS)], ['team/site-headers']);
});
