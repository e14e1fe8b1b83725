import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { AnyObject, Diagnostic } from '../../snapshot.ts';
import { parseManifestFile } from './parse.ts';

const fixtures = join(import.meta.dirname, 'testdata', 'parse');

function parseFixture(name: string) {
  return parseManifestFile(name, readFileSync(join(fixtures, name), 'utf8'));
}

const ids = (objects: AnyObject[]) =>
  objects.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);

const problems = (diagnostics: Diagnostic[]) =>
  diagnostics.map((d) => `${d.reason} ${d.object.kind} ${d.object.name} ${d.field ?? '-'}`);

describe('parseManifestFile', () => {
  const cases: Array<{
    rule: string;
    fixture: string;
    objects: string[];
    diagnostics: string[];
    ok?: boolean;
  }> = [
    {
      rule: 'every document of a multi-document file is read; empty documents declare nothing',
      fixture: 'multi-document.yaml',
      objects: ['IngressClass gatehouse', 'Service shop/web', 'Ingress shop/web'],
      diagnostics: [],
    },
    {
      rule: 'the items of a kind: List are read as objects',
      fixture: 'list.yaml',
      objects: ['Service shop/api', 'EndpointSlice shop/api-abcde'],
      diagnostics: [],
    },
    {
      rule: 'an unread kind or apiVersion is left out with UnsupportedKind; the rest of the file is read',
      fixture: 'unknown-kind.yaml',
      objects: ['Service default/kept'],
      // Kinds gatehouse never reads are summed up once per file; a read kind at the wrong version is
      // a mistake about one object, so it is named.
      diagnostics: [
        'UnsupportedKind Ingress old apiVersion',
        'UnsupportedKind ManifestFile unknown-kind.yaml -',
      ],
    },
    {
      rule: 'an object without metadata.name is left out with MissingName, pointing at its document',
      fixture: 'missing-name.yaml',
      objects: ['Service default/kept'],
      diagnostics: ['MissingName ManifestFile missing-name.yaml documents[0].metadata.name'],
    },
    {
      rule: 'namespaced kinds without a namespace get default; cluster-scoped kinds get none',
      fixture: 'default-namespace.yaml',
      objects: ['Service default/no-namespace', 'IngressClass cluster-scoped'],
      diagnostics: [],
    },
    {
      rule: 'Secrets other than kubernetes.io/tls and Opaque (auth-secret) are dropped silently',
      fixture: 'string-data.yaml',
      objects: ['Secret shop/shop-tls', 'Secret default/password'],
      diagnostics: [],
    },
    {
      rule: 'a document that is not a mapping is reported; the others in the file are used',
      fixture: 'not-a-mapping.yaml',
      objects: ['Service default/kept'],
      diagnostics: [
        'InvalidDocument ManifestFile not-a-mapping.yaml documents[0]',
        'InvalidDocument ManifestFile not-a-mapping.yaml documents[1]',
      ],
    },
    {
      rule: 'an object the API server would reject for its types is left out with the offending field',
      fixture: 'mistyped.yaml',
      objects: [],
      // Not one usable object: the file keeps its last good ones (source.ts).
      ok: false,
      diagnostics: [
        'InvalidObject Ingress bad-path-type spec.rules[0].http.paths[0].pathType',
        'InvalidObject Service bad-port spec.ports[0].port',
        "InvalidObject Service unquoted-boolean-annotation metadata.annotations['example.com/enabled']",
        "InvalidObject Secret not-base64 data['tls.crt']",
      ],
    },
    {
      rule: 'RoutePolicies are read, checked with the CRD schema: a field the schema lacks leaves the policy out',
      fixture: 'route-policies.yaml',
      objects: ['RoutePolicy shop/shop-timeouts'],
      diagnostics: [
        'InvalidObject RoutePolicy misspelt spec.timeouts',
        'UnsupportedKind RoutePolicy wrong-version apiVersion',
      ],
    },
    {
      rule: 'a JSON file is read like YAML',
      fixture: 'service.json',
      objects: ['Service default/from-json'],
      diagnostics: [],
    },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      const parsed = parseFixture(c.fixture);
      assert.equal(parsed.ok, c.ok ?? true);
      assert.deepEqual(ids(parsed.objects), c.objects);
      assert.deepEqual(problems(parsed.diagnostics), c.diagnostics);
    });
  }

  test('diagnostics name the file, line, column and document index', () => {
    const [oldIngress, unread] = parseFixture('unknown-kind.yaml').diagnostics;
    assert.match(oldIngress.message, /^unknown-kind\.yaml:8:1 \(documents\[1\]\): .*networking\.k8s\.io\/v1/);
    assert.deepEqual(oldIngress.object, { kind: 'Ingress', namespace: 'default', name: 'old' });
    assert.match(unread.message, /Deployment ×1 \(first at unknown-kind\.yaml:1:1, documents\[0\]\)/);
  });

  test('a List item diagnostic names its item index and its own line', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: extensions/v1beta1',
      '    kind: Ingress',
      '    metadata: {name: old}',
    ].join('\n');
    const [diagnostic] = parseManifestFile('list.yaml', text).diagnostics;
    assert.equal(diagnostic.reason, 'UnsupportedKind');
    assert.match(diagnostic.message, /^list\.yaml:4:5 \(documents\[0\]\.items\[0\]\)/);
  });

  test('a ConfigMap is read with its data only (custom-headers names ConfigMaps)', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: h, namespace: apps}\ndata: {X-A: "1"}\nbinaryData: {b: AA==}\n';
    const parsed = parseManifestFile('cm.yaml', text);
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.objects, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'h', namespace: 'apps' },
        data: { 'X-A': '1' },
      },
    ]);
  });

  test('a ConfigMap whose data is not strings is refused with a diagnostic', () => {
    const parsed = parseManifestFile(
      'cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: h}\ndata: {a: [1]}\n',
    );
    assert.deepEqual(parsed.objects, []);
    assert.equal(parsed.diagnostics[0]?.object.kind, 'ConfigMap');
  });

  test('kinds gatehouse does not read are counted once per file, never one diagnostic each', () => {
    const configMap = (i: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: c${i}}\ndata: {k: v}\n`;
    const text = [
      ...Array.from({ length: 500 }, (_, i) => configMap(i)),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n',
      'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {name: in-list}}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: kept}\n',
    ].join('---\n');
    const parsed = parseManifestFile('mixed.yaml', text);
    assert.equal(parsed.ok, true);
    assert.deepEqual(ids(parsed.objects), ['Service default/kept']);
    assert.deepEqual(problems(parsed.diagnostics), ['UnsupportedKind ManifestFile mixed.yaml -']);
    assert.match(
      parsed.diagnostics[0].message,
      /^mixed\.yaml: 502 objects of kinds gatehouse does not read left out: Pod ×501 \(first at mixed\.yaml:1:1, documents\[0\]\), Deployment ×1 /,
    );
  });

  test('an unread kind is skipped before it is converted: an alias bomb in a Pod is never expanded', () => {
    // Converted, this document would fail the whole file (see the alias bomb test below).
    const levels = ['  l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `  l${i}: &l${i} [${Array(10)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    const text = [
      `apiVersion: v1\nkind: Pod\nmetadata: {name: bomb}\ndata:\n${levels.join('\n')}\n`,
      'apiVersion: v1\nkind: Service\nmetadata: {name: kept}\n',
    ].join('---\n');
    const parsed = parseManifestFile('bomb-in-pod.yaml', text);
    assert.equal(parsed.ok, true);
    assert.deepEqual(ids(parsed.objects), ['Service default/kept']);
    assert.deepEqual(problems(parsed.diagnostics), ['UnsupportedKind ManifestFile bomb-in-pod.yaml -']);
  });

  test('a file of more documents than the limit is refused, naming the file and the limit', () => {
    const text = Array.from(
      { length: 4 },
      (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}}\n`,
    );
    assert.equal(parseManifestFile('four.yaml', text.join('---\n'), { maxDocuments: 4 }).ok, true);
    const parsed = parseManifestFile('five.yaml', [...text, text[0]].join('---\n'), { maxDocuments: 4 });
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.objects, []);
    assert.deepEqual(problems(parsed.diagnostics), ['TooManyDocuments ManifestFile five.yaml -']);
    assert.match(
      parsed.diagnostics[0].message,
      /^five\.yaml: more than 4 documents .*--manifests-max-documents/,
    );
  });

  test('List items count against the document limit, whatever their kind', () => {
    const items = Array.from(
      { length: 5 },
      (_, i) => `  - {apiVersion: v1, kind: Pod, metadata: {name: c${i}}}`,
    );
    const parsed = parseManifestFile(
      'list.yaml',
      `apiVersion: v1\nkind: List\nitems:\n${items.join('\n')}\n`,
      {
        maxDocuments: 5,
      },
    );
    assert.equal(parsed.ok, false);
    assert.equal(parsed.diagnostics[0].reason, 'TooManyDocuments');
  });

  test('one file lists at most 100 problems, then says how many more it left unsaid', () => {
    const text = Array.from({ length: 250 }, (_, i) => `- not an object ${i}\n`).join('---\n');
    const parsed = parseManifestFile('noise.yaml', text);
    assert.equal(parsed.diagnostics.length, 101);
    assert.deepEqual(problems(parsed.diagnostics.slice(-1)), ['TooManyProblems ManifestFile noise.yaml -']);
    assert.match(parsed.diagnostics[100].message, /^noise\.yaml: 150 more problems not listed/);
  });

  test('stringData is folded into base64 data, winning over data on a shared key', () => {
    const [secret] = parseFixture('string-data.yaml').objects;
    assert.equal(secret.kind, 'Secret');
    assert.deepEqual(secret.data, {
      'tls.key': 'b2xkLWtleQ==',
      'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\nnew\n').toString('base64'),
    });
    assert.equal('stringData' in secret, false);
  });

  test('server-side fields are stripped: managedFields, last-applied, status but loadBalancer', () => {
    const [ingress, service, slice] = parseFixture('stripped.yaml').objects;
    assert.deepEqual(ingress, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: '0b6c5d4e-1111-2222-3333-444455556666',
        resourceVersion: '4711',
        generation: 3,
        creationTimestamp: '2026-01-02T03:04:05Z',
        labels: { app: 'web' },
        annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' },
      },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
    });
    assert.deepEqual(service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'only-last-applied', namespace: 'default' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } },
    });
    assert.deepEqual(slice, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-xyz', namespace: 'shop' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }],
      ports: [{ port: 80 }],
    });
  });

  test('creationTimestamp absent from the file stays absent (no clock is read here)', () => {
    const [service] = parseFixture('default-namespace.yaml').objects;
    assert.equal('creationTimestamp' in service.metadata, false);
  });

  test('a YAML syntax error fails the whole file with its line and column', () => {
    // Inline rather than a fixture: the repository's YAML linter rightly refuses broken files.
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: fine',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: [broken',
      'spec: {}',
    ].join('\n');
    const parsed = parseManifestFile('syntax-error.yaml', text);
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.objects, []);
    assert.deepEqual(problems(parsed.diagnostics), [
      'InvalidYAML ManifestFile syntax-error.yaml documents[1]',
    ]);
    assert.match(parsed.diagnostics[0].message, /^syntax-error\.yaml:10:1 \(documents\[1\]\): Flow sequence/);
  });

  test('a duplicate key is a syntax error, as kubectl treats it', () => {
    const parsed = parseManifestFile(
      'dup.yaml',
      'apiVersion: v1\nkind: Service\nkind: Secret\nmetadata: {name: a}\n',
    );
    assert.equal(parsed.ok, false);
    assert.match(parsed.diagnostics[0].message, /^dup\.yaml:3:1 .*unique/);
  });

  test('an alias bomb is refused instead of expanded', () => {
    // Nine levels of ten aliases each would expand to 10^9 strings.
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `l${i}: &l${i} [${Array(10)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    const parsed = parseManifestFile('bomb.yaml', levels.join('\n'));
    assert.equal(parsed.ok, false);
    assert.equal(parsed.diagnostics[0].reason, 'InvalidYAML');
    assert.match(parsed.diagnostics[0].message, /^bomb\.yaml:1:1 .*alias/i);
  });

  test('each object read has the file:line:col it starts at, in the order of objects (lint points there)', () => {
    const text = [
      '# leading comment',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: a, namespace: x}',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Service',
      '    metadata: {name: b, namespace: x}',
    ].join('\n');
    const parsed = parseManifestFile('s.yaml', text);
    assert.deepEqual(
      parsed.objects.map((o) => o.metadata.name),
      ['a', 'b'],
    );
    assert.deepEqual(parsed.origins, ['s.yaml:2:1', 's.yaml:9:5']);
  });

  test('an empty file declares nothing and is fine', () => {
    assert.deepEqual(parseManifestFile('empty.yaml', ''), {
      objects: [],
      origins: [],
      diagnostics: [],
      ok: true,
    });
  });
});
