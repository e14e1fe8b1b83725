// Manifest fuzz inputs (issue 28, item 6): adversarial YAML — alias bombs, deep nesting, invalid
// UTF-8, huge Ingresses and files — and seeded random mutations of a valid Ingress. Pure: each case
// is the bytes of one file.
import { stringify } from 'yaml';
import type { Rng } from './prng.ts';

export interface ManifestCase {
  name: string;
  bytes: Buffer;
}

const text = (name: string, s: string): ManifestCase => ({ name, bytes: Buffer.from(s, 'utf8') });

/** A valid Ingress for host `fuzzed.test` on Service `web`, the seed of every mutation. */
export function validIngress(paths = 1): string {
  return stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'fuzzed',
      namespace: 'fuzz',
      annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' },
    },
    spec: {
      ingressClassName: 'gatehouse',
      rules: [
        {
          host: 'fuzzed.test',
          http: {
            paths: Array.from({ length: paths }, (_, i) => ({
              path: paths === 1 ? '/' : `/p${i}`,
              pathType: 'Prefix',
              backend: { service: { name: 'web', port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  });
}

/** Billion laughs: ten levels of ten aliases each, 10^10 nodes if expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\nkind: Ingress\napiVersion: networking.k8s.io/v1\nmetadata: {name: bomb, namespace: fuzz}\nspec: *a9\n`;
}

/**
 * Cases every run writes, bounded in size except the one meant to pass the file limit. `heavy`
 * adds the ones that cost the controller seconds (the full run; the smoke keeps under a minute).
 */
export function adversarialManifests(bigFileBytes: number, heavy: boolean): ManifestCase[] {
  const depth = heavy ? 100_000 : 10_000;
  const cases = [
    text('alias bomb (billion laughs)', aliasBomb()),
    text(
      'alias bomb in a merge key',
      `base: &b {x: 1}\n${Array.from({ length: 200 }, (_, i) => `k${i}: {<<: *b}`).join('\n')}\n`,
    ),
    text(
      `flow sequences nested ${depth.toLocaleString('en')} deep`,
      `${'['.repeat(depth)}${']'.repeat(depth)}\n`,
    ),
    text(
      `flow mappings nested ${depth.toLocaleString('en')} deep`,
      `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`,
    ),
    text(
      'block mappings nested 5 000 deep',
      Array.from({ length: 5_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
    ),
    text('Lists nested 1 000 deep', `${'{kind: List, items: ['.repeat(1_000)}{}${']}'.repeat(1_000)}\n`),
    {
      name: 'invalid UTF-8 in keys and values',
      bytes: Buffer.concat([
        Buffer.from('apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: "'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
        Buffer.from('"\n  namespace: fuzz\n'),
        Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80, 0x3a, 0x20, 0x78, 0x0a]),
      ]),
    },
    {
      name: 'a UTF-16 byte-order mark and NULs',
      bytes: Buffer.from([0xff, 0xfe, 0x6b, 0x00, 0x3a, 0x00, 0x00, 0x00]),
    },
    {
      name: 'random binary',
      bytes: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    },
    text('a 1 MiB key', `${'k'.repeat(1024 * 1024)}: v\n`),
    text('duplicate keys', `${validIngress()}kind: Service\nkind: Ingress\n`),
    text(
      'unknown tags',
      '--- !!js/function "function(){}"\n--- !<tag:yaml.org,2002:python/object> {}\n--- !!binary AAAA\n',
    ),
    {
      name: `a ${Math.round(bigFileBytes / 1024 / 1024)} MiB file`,
      bytes: Buffer.alloc(bigFileBytes, '# padding padding padding padding\n'),
    },
  ];
  if (!heavy) return [...cases, text('1 000 paths in one Ingress', validIngress(1_000))];
  return [
    ...cases,
    text('10 000 paths in one Ingress', validIngress(10_000)),
    text('100 000 empty documents', '---\n'.repeat(100_000)),
    // One past --manifests-max-documents (default 100 000): the file is refused, not half read.
    text('100 001 tiny documents', '--- {kind: Service}\n'.repeat(100_001)),
    text(
      'a Service with 100 000 ports',
      stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'wide', namespace: 'fuzz' },
        spec: { ports: Array.from({ length: 100_000 }, (_, i) => ({ port: (i % 65535) + 1 })) },
      }),
    ),
  ];
}

const INSERTS = [
  ': ',
  '- ',
  '\n',
  '\n  ',
  '&a ',
  '*a ',
  '!!str ',
  '{',
  '[',
  '"',
  "'",
  '#',
  '\t',
  '\u0000',
  '---\n',
  '<<: ',
];

/** The valid Ingress mutated 1–6 times by byte-level edits that YAML's syntax cares about. */
export function mutatedManifest(r: Rng, index: number): ManifestCase {
  let s = validIngress();
  const steps: string[] = [];
  const n = 1 + r.int(6);
  for (let i = 0; i < n; i++) {
    const at = r.int(s.length + 1);
    switch (r.int(4)) {
      case 0: {
        const ins = r.pick(INSERTS);
        s = s.slice(0, at) + ins + s.slice(at);
        steps.push(`insert ${JSON.stringify(ins)} at ${at}`);
        break;
      }
      case 1: {
        const len = 1 + r.int(8);
        s = s.slice(0, at) + s.slice(at + len);
        steps.push(`delete ${len} at ${at}`);
        break;
      }
      case 2: {
        const len = 1 + r.int(40);
        s = s.slice(0, at) + s.slice(at, at + len).repeat(1 + r.int(3)) + s.slice(at + len);
        steps.push(`repeat ${len} at ${at}`);
        break;
      }
      default: {
        const c = String.fromCharCode(r.int(128));
        s = s.slice(0, at) + c + s.slice(at + 1);
        steps.push(`replace at ${at} with ${JSON.stringify(c)}`);
      }
    }
  }
  return text(`mutation ${index}: ${steps.join(', ')}`, s);
}
