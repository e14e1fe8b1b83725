// Golden files for `gatehouse lint` and `gatehouse explain`: each case runs the command as a user
// would (argv, stdin) over the repository's examples and the tricky cases in cases/, and its
// whole output must equal expected/<name>.txt byte for byte. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CommandIO, runExplain, runLint } from '../../cli/commands.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const expectedDir = join(root, 'test/golden/expected');
const C = 'test/golden/cases';
const S = `${C}/services.yaml`;

interface Case {
  name: string;
  argv: string[];
  stdin?: string;
}

const cases: Case[] = [
  // The examples `make run` serves.
  { name: 'lint-examples', argv: ['lint', 'examples/manifests'] },
  { name: 'lint-examples-json', argv: ['lint', '--output', 'json', 'examples/manifests'] },
  {
    name: 'explain-examples-exact',
    argv: ['explain', 'examples/manifests', '--host', 'shop.example.com', '--path', '/api/health'],
  },
  {
    name: 'explain-examples-prefix',
    argv: ['explain', 'examples/manifests', '--host', 'Shop.Example.com:8080', '--path', '/api/users?page=2'],
  },
  {
    name: 'explain-examples-default',
    argv: ['explain', 'examples/manifests', '--host', 'unknown.example.com', '--path', '/'],
  },
  // A path two Ingresses claim: the older wins, the newer is an error; a missing Service too.
  { name: 'lint-conflict', argv: ['lint', S, `${C}/conflict.yaml`] },
  {
    name: 'explain-conflict',
    argv: ['explain', S, `${C}/conflict.yaml`, '--host', 'conflict.example.com', '--path', '/app/x'],
  },
  {
    name: 'lint-conflict-stdin',
    argv: ['lint', S, '-'],
    stdin: readFileSync(join(root, C, 'conflict.yaml'), 'utf8'),
  },
  // A canary: weight split, and the header that takes it all.
  { name: 'lint-canary', argv: ['lint', S, `${C}/canary.yaml`] },
  { name: 'lint-canary-strict', argv: ['lint', '--strict', S, `${C}/canary.yaml`] },
  {
    name: 'explain-canary-weight',
    argv: ['explain', S, `${C}/canary.yaml`, '--host', 'canary.example.com', '--path', '/'],
  },
  {
    name: 'explain-canary-header',
    argv: [
      'explain',
      S,
      `${C}/canary.yaml`,
      '--host',
      'canary.example.com',
      '--path',
      '/',
      '--header',
      'X-Canary=always',
    ],
  },
  {
    name: 'explain-canary-json',
    argv: [
      'explain',
      S,
      `${C}/canary.yaml`,
      '--host',
      'canary.example.com',
      '--path',
      '/',
      '--output',
      'json',
    ],
  },
  {
    name: 'explain-canary-cookie',
    argv: [
      'explain',
      S,
      `${C}/canary.yaml`,
      '--host',
      'canary.example.com',
      '--path',
      '/',
      '--cookie',
      'canary_user=always',
    ],
  },
  {
    name: 'explain-canary-header-never',
    argv: [
      'explain',
      S,
      `${C}/canary.yaml`,
      '--host',
      'canary.example.com',
      '--path',
      '/',
      '--header',
      'X-Canary=never',
      '--cookie',
      'canary_user=always',
    ],
  },
  // use-regex precedence.
  { name: 'lint-regex', argv: ['lint', S, `${C}/regex.yaml`] },
  {
    name: 'explain-regex-longest',
    argv: ['explain', S, `${C}/regex.yaml`, '--host', 'regex.example.com', '--path', '/api/v1/users'],
  },
  {
    name: 'explain-regex-shorter',
    argv: ['explain', S, `${C}/regex.yaml`, '--host', 'regex.example.com', '--path', '/API/v2/other'],
  },
  // Fail closed, and an address rule that holds.
  { name: 'lint-fail-closed', argv: ['lint', S, `${C}/fail-closed.yaml`] },
  {
    name: 'explain-fail-closed',
    argv: ['explain', S, `${C}/fail-closed.yaml`, '--host', 'closed.example.com', '--path', '/'],
  },
  {
    name: 'explain-client-refused',
    argv: [
      'explain',
      S,
      `${C}/fail-closed.yaml`,
      '--host',
      'office.example.com',
      '--path',
      '/',
      '--client-ip',
      '192.0.2.1',
    ],
  },
  {
    name: 'explain-client-allowed',
    argv: [
      'explain',
      S,
      `${C}/fail-closed.yaml`,
      '--host',
      'office.example.com',
      '--path',
      '/',
      '--client-ip',
      '10.1.2.3',
    ],
  },
  // Host precedence: a wildcard's one extra label, then the rules without a host.
  {
    name: 'explain-wildcard',
    argv: ['explain', S, `${C}/wildcard.yaml`, '--host', 'a.wild.example.com', '--path', '/x'],
  },
  {
    name: 'explain-wildcard-two-labels',
    argv: [
      'explain',
      S,
      `${C}/wildcard.yaml`,
      '--host',
      'a.b.wild.example.com',
      '--path',
      '/status',
      '--method',
      'post',
    ],
  },
  // TLS: the HTTPS redirect comes first; over HTTPS the route serves. The path as the proxy normalises it.
  { name: 'lint-tls', argv: ['lint', S, `${C}/tls.yaml`] },
  {
    name: 'explain-tls-plain',
    argv: ['explain', S, `${C}/tls.yaml`, '--host', 'tls.example.com', '--path', '/a?b=1'],
  },
  {
    name: 'explain-tls-no-secret',
    argv: ['explain', S, `${C}/tls.yaml`, '--host', 'nosecret.example.com', '--path', '/'],
  },
  {
    name: 'explain-tls-https',
    argv: ['explain', S, `${C}/tls.yaml`, '--host', 'tls.example.com', '--path', '/a', '--https'],
  },
  {
    name: 'explain-normalised-path',
    argv: ['explain', 'examples/manifests', '--host', 'shop.example.com', '--path', '/x/../%61pi/health'],
  },
  { name: 'explain-bad-host', argv: ['explain', 'examples/manifests', '--host', 'a b', '--path', '/'] },
  // RoutePolicies: one targeting nothing (warning), one refused (error), one in effect.
  { name: 'lint-policy', argv: ['lint', S, `${C}/policy.yaml`] },
  {
    name: 'explain-policy',
    argv: ['explain', S, `${C}/policy.yaml`, '--host', 'policy.example.com', '--path', '/'],
  },
  // The table, and the translation flags lint shares with the controller.
  { name: 'explain-table', argv: ['explain', '--table', S, `${C}/canary.yaml`] },
  {
    name: 'lint-other-class',
    argv: ['lint', '--controller-name', 'example.com/other', S, `${C}/canary.yaml`],
  },
  // Usage.
  { name: 'lint-no-path', argv: ['lint'] },
  { name: 'lint-missing-path', argv: ['lint', `${C}/no-such-file.yaml`] },
  { name: 'explain-bad-output', argv: ['explain', S, '--host', 'a', '--path', '/', '--output', 'yaml'] },
  { name: 'lint-help', argv: ['lint', '--help'] },
  { name: 'explain-help', argv: ['explain', '--help'] },
];

async function run(c: Case): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io: CommandIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdin: async () => c.stdin ?? '',
    env: {},
    cwd: root,
    // After the fixture certificate's notBefore (2026-11-25).
    now: new Date('2026-12-01T00:00:00Z'),
  };
  const [command, ...rest] = c.argv;
  const code = await (command === 'lint' ? runLint : runExplain)(rest, io);
  return `$ gatehouse ${c.argv.join(' ')}\n${stdout}${stderr === '' ? '' : `--- stderr\n${stderr}`}--- exit ${code}\n`;
}

describe('gatehouse lint and explain, golden files', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const actual = await run(c);
      const file = join(expectedDir, `${c.name}.txt`);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
      assert.equal(actual, readFileSync(file, 'utf8'), `${file} differs (UPDATE_GOLDEN=1 rewrites it)`);
    });
  }
});

describe('README § Lint and explain', () => {
  test('every command shown there prints what its golden file holds', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Lint and explain'),
      readme.indexOf('## Install with Helm'),
    );
    const shown = [...section.matchAll(/```console\n([\s\S]*?)```/g)].flatMap((m) =>
      m[1].split(/(?=^\$ gatehouse )/m).filter((s) => s.startsWith('$ gatehouse ')),
    );
    assert.ok(shown.length >= 3, 'the section shows the commands');
    for (const block of shown) {
      const command = block.slice(0, block.indexOf('\n'));
      const c = cases.find((k) => `$ gatehouse ${k.argv.join(' ')}` === command);
      assert.ok(c, `${command}: not a golden case`);
      const golden = readFileSync(join(expectedDir, `${c.name}.txt`), 'utf8');
      const stdout = golden.replace(/(--- stderr\n[\s\S]*)?--- exit \d+\n$/, '');
      assert.equal(`${block.trimEnd()}\n`, stdout, command);
    }
  });
});
