import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { crdPaths, forApiserver, generateCrd } from './generate-crd.ts';
import { routePolicySchema } from './schema.ts';

it('crds/ and the chart hold the CRD schema.ts generates now (else run generate-crd.ts)', () => {
  const fresh = generateCrd();
  for (const path of crdPaths)
    assert.equal(
      readFileSync(path, 'utf8'),
      fresh,
      `${path} differs: run node controller/src/policy/generate-crd.ts`,
    );
});

type Node = { [key: string]: unknown };
const JUNCTIONS = ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', '$ref', 'additionalProperties'];

/** Every schema node below `at`, with its path. */
function* nodes(node: Node, at: string): Generator<[string, Node]> {
  yield [at, node];
  for (const [key, sub] of Object.entries((node.properties ?? {}) as Record<string, Node>))
    yield* nodes(sub, `${at}.${key}`);
  if (node.items !== undefined) yield* nodes(node.items as Node, `${at}[]`);
}

it('the apiserver schema is structural: every node typed, no junction, additionalProperties or $ref', () => {
  for (const [at, node] of nodes(forApiserver(routePolicySchema), '')) {
    assert.equal(typeof node.type, 'string', `${at} has no type`);
    for (const keyword of JUNCTIONS) assert.equal(node[keyword], undefined, `${at} uses ${keyword}`);
    if (node.type === 'object' && at !== '.metadata')
      assert.ok(node.properties !== undefined, `${at} is an object without properties`);
  }
});

it("patterns are written in the syntax both ECMAScript (ajv) and Go's RE2 (apiserver) read", () => {
  for (const [at, node] of nodes(routePolicySchema as unknown as Node, '')) {
    if (typeof node.pattern !== 'string') continue;
    assert.doesNotMatch(node.pattern, /\\u|\\p|\(\?[=!<]/, `${at}: \\u, \\p and lookarounds are not RE2`);
  }
});
