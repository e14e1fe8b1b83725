// The image definition, checked by structure since no Docker engine runs here: multi-stage on Node
// 26, production dependencies only, a numeric non-root user, the controller as entrypoint, and a
// build context that holds every file the program loads and nothing secret.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoDir } from './chart.ts';
import { execForm, importGraph, isIgnored, parseDockerfile, type Stage, stagesOf } from './dockerfile.ts';

const dockerfile = readFileSync(join(repoDir, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repoDir, '.dockerignore'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const stages = stagesOf(instructions);
const final = stages[stages.length - 1];
const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const node26 =
  /^(?:docker\.io\/(?:library\/)?)?node:26(?:[.-][\w.-]*)?(?:@sha256:[0-9a-f]{64})?$|^gcr\.io\/distroless\/nodejs26-debian\d+(?::[\w.-]+)?$/;
const sourcesOf = (stage: Stage) =>
  stage.instructions
    .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) =>
      i.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1),
    );

describe('Dockerfile', () => {
  test('is multi-stage and every stage starts FROM a Node 26 image', () => {
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
    for (const s of stages) assert.match(s.from, node26, `FROM ${s.from}`);
  });

  test('installs production dependencies only, from the lockfile, without install scripts', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const installs = runs.filter((r) => /\bnpm\s+(ci|install|i)\b/.test(r));
    assert.ok(installs.length > 0, 'an npm install step');
    for (const r of installs) {
      assert.match(r, /\bnpm ci\b/, 'npm ci: the lockfile decides');
      assert.match(r, /--omit=dev\b/, 'no devDependencies in the image');
      assert.match(r, /--ignore-scripts\b/);
    }
  });

  test('the final stage copies node_modules from the install stage and runs as a numeric non-root user', () => {
    const deps = final.instructions.find((i) => i.keyword === 'COPY' && /--from=\S+/.test(i.args));
    assert.ok(deps && /node_modules/.test(deps.args), 'node_modules copied from a build stage');
    const users = final.instructions.filter((i) => i.keyword === 'USER');
    assert.ok(users.length > 0, 'the final stage sets USER');
    const [uid, gid] = users[users.length - 1].args.split(':');
    assert.match(uid, /^\d+$/, 'a numeric UID, so runAsNonRoot can verify it');
    assert.notEqual(Number(uid), 0);
    if (gid !== undefined) assert.match(gid, /^\d+$/);
  });

  test('the entrypoint is `node controller/src/main.ts` in exec form', () => {
    const entry = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT');
    assert.equal(entry.length, 1);
    const argv = execForm(entry[0].args);
    assert.ok(argv, 'exec form: signals reach node, not a shell');
    assert.deepEqual(argv.slice(-1), ['controller/src/main.ts']);
    assert.match(argv[0], /(^|\/)node(js)?$/);
    assert.equal(
      final.instructions.filter((i) => i.keyword === 'CMD').length,
      0,
      'flags come from the pod spec',
    );
  });

  test('no ADD, no remote fetches and no secrets in ARG or ENV', () => {
    for (const i of instructions) {
      assert.notEqual(
        i.keyword,
        'ADD',
        `line ${i.line}: ADD (use COPY; ADD fetches URLs and unpacks archives)`,
      );
      if (i.keyword === 'RUN')
        assert.doesNotMatch(i.args, /\b(curl|wget)\b/, `line ${i.line}: downloads outside npm`);
      if (i.keyword === 'ARG' || i.keyword === 'ENV') {
        assert.doesNotMatch(
          i.args,
          /(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|NPM_?AUTH)/i,
          `line ${i.line}`,
        );
      }
    }
  });

  test('the build context holds every local file the controller, its workers and lint/explain load, and no test', () => {
    const graph = importGraph(repoDir, ['controller/src/main.ts', 'cli/gatehouse.ts']);
    assert.ok(graph.files.includes('cli/explain.ts'), 'lint and explain are part of the image');
    assert.ok(graph.files.includes('dataplane/src/worker.ts'), 'the forked worker is part of the program');
    const copied = sourcesOf(final).map((s) => s.replace(/\/+$/, ''));
    for (const file of graph.files) {
      assert.equal(isIgnored(dockerignore, file), false, `${file} is excluded by .dockerignore`);
      assert.ok(
        copied.some((src) => file === src || file.startsWith(`${src}/`)),
        `${file} is not copied into the final stage`,
      );
    }
    for (const path of [
      'controller/src/translate/ingress.test.ts',
      'controller/src/translate/testdata/x.yaml',
      // Test helpers that sit beside production code.
      'dataplane/src/upstream/test-certs.ts',
      'dataplane/src/upstream/test-endpoints.ts',
      'dataplane/src/router/test-table.ts',
      '.git/config',
    ]) {
      assert.equal(isIgnored(dockerignore, path), true, `${path} stays out of the context`);
    }
    for (const path of [
      '.env',
      'node_modules/yaml/package.json',
      '.tmp/e2e-cluster-1/pki/ca.key',
      'e2e/lib/cluster.ts',
    ]) {
      assert.equal(isIgnored(dockerignore, path), true, `${path} stays out of the context`);
    }
    assert.equal(isIgnored(dockerignore, 'package-lock.json'), false);
  });

  test('every package the program imports is a production dependency', () => {
    const { packages } = importGraph(repoDir, ['controller/src/main.ts']);
    for (const name of packages) {
      assert.ok(name in pkg.dependencies, `${name} is imported at run time but is not in "dependencies"`);
    }
  });
});

describe('.dockerignore matching', () => {
  const rules = ['**', '!src/**', '**/*.test.ts', '**/testdata'].join('\n');
  const cases: Array<[string, boolean]> = [
    ['README.md', true],
    ['src/a.ts', false],
    ['src/deep/b.ts', false],
    ['src/a.test.ts', true],
    ['src/deep/testdata/c.yaml', true],
    ['other/a.ts', true],
  ];
  for (const [path, ignored] of cases) {
    test(`${path} is ${ignored ? 'ignored' : 'kept'} (last matching pattern wins, parents count)`, () => {
      assert.equal(isIgnored(rules, path), ignored);
    });
  }
});
