// JSON schemas for kubeconform from CustomResourceDefinitions, as kubeconform's own openapi2jsonschema
// makes them: one file per served version, named <kind>-<first label of group>-<version>.json, with
// unknown fields refused wherever the CRD does not preserve them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served: boolean; schema?: { openAPIV3Schema: object } }>;
  };
}

function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? mapValues(v as object) : strict(v);
  const preserve = (node as Record<string, unknown>)['x-kubernetes-preserve-unknown-fields'] === true;
  if ('properties' in out && !('additionalProperties' in out) && !preserve) out.additionalProperties = false;
  return out;
}

function mapValues(properties: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, strict(v)]));
}

export function crdJsonSchemas(crdYaml: string): Array<{ file: string; schema: unknown }> {
  const crd = parse(crdYaml) as Crd;
  const kind = crd.spec.names.kind.toLowerCase();
  const group = crd.spec.group.split('.')[0];
  return crd.spec.versions
    .filter((v) => v.served && v.schema !== undefined)
    .map((v) => ({ file: `${kind}-${group}-${v.name}.json`, schema: strict(v.schema?.openAPIV3Schema) }));
}

/** Writes the schemas of every CRD file of `crdDir` into `outDir`; returns the file names. */
export function writeCrdJsonSchemas(crdDir: string, outDir: string): string[] {
  const files: string[] = [];
  for (const f of readdirSync(crdDir).filter((x) => x.endsWith('.yaml'))) {
    for (const { file, schema } of crdJsonSchemas(readFileSync(join(crdDir, f), 'utf8'))) {
      writeFileSync(join(outDir, file), JSON.stringify(schema));
      files.push(file);
    }
  }
  return files.sort();
}
