// The house rules on imports, checked on every file: controller → dataplane/table only, the data
// plane never imports the controller or Kubernetes, and translation does no I/O. The top-level
// `cli/` (gatehouse lint/explain) is the one place that imports both: explain must use the data
// plane's own router, which the controller may not import; nothing imports `cli/` back.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Test-only helpers beside the code (fixtures readers, fakes) are not production code. */
const TEST_HELPER = /\.test\.ts$|^test-|^fake-|testkit\.ts$|test-harness\.ts$/;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !TEST_HELPER.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1],
  );
  return found.map((spec) =>
    spec.startsWith('.') ? relative(root, resolve(root, dirname(file), spec)) : spec,
  );
}

describe('import direction', () => {
  it('the controller imports from the data plane only its table contract', () => {
    const wrong = sources('controller/src').flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('dataplane/') && !i.startsWith('dataplane/src/table/'))
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('the data plane never imports the controller or Kubernetes client code', () => {
    const wrong = sources('dataplane/src').flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('controller/') || i.startsWith('@kubernetes/'))
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('translation imports nothing that does I/O', () => {
    const io =
      /^node:(fs|fs\/promises|http|https|http2|net|tls|child_process|dgram|dns|worker_threads)$|^undici$|^@kubernetes\//;
    const wrong = sources('controller/src/translate').flatMap((f) =>
      imports(f)
        .filter(
          (i) =>
            io.test(i) ||
            (i.startsWith('controller/src/') &&
              !i.startsWith('controller/src/translate/') &&
              // The RoutePolicy resource's schema and types, shared with the sources (pure, checked below).
              !(i.startsWith('controller/src/policy/') && !/\/generate-[^/]*$/.test(i)) &&
              i !== 'controller/src/snapshot.ts'),
        )
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('the RoutePolicy schema modules translation reads do no I/O (only their generator writes files)', () => {
    const io =
      /^node:(fs|fs\/promises|http|https|http2|net|tls|child_process|dgram|dns|worker_threads)$|^undici$/;
    const wrong = sources('controller/src/policy')
      .filter((f) => !/\/generate-[^/]*$/.test(f))
      .flatMap((f) =>
        imports(f)
          .filter(
            (i) => io.test(i) || (i.startsWith('controller/src/') && !i.startsWith('controller/src/policy/')),
          )
          .map((i) => `${f} → ${i}`),
      );
    assert.deepEqual(wrong, []);
  });

  it('only cli/ imports both sides, and neither the controller nor the data plane imports cli/', () => {
    const wrong = [...sources('controller'), ...sources('dataplane')].flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('cli/'))
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(wrong, []);
    // The reason cli/ exists: it does reach past dataplane/src/table/ (explain's router).
    assert.ok(
      sources('cli').some((f) =>
        imports(f).some((i) => i.startsWith('dataplane/src/') && !i.startsWith('dataplane/src/table/')),
      ),
    );
  });

  it('cli/ has no import circle', () => {
    assert.deepEqual(importCircles(importGraph(sources('cli'))), []);
  });

  it('the check sees real imports (it would notice a violation)', () => {
    assert.ok(imports('controller/src/supervisor/supervisor.ts').includes('dataplane/src/table/messages.ts'));
    assert.ok(sources('dataplane/src').length > 20);
  });
});

/** The import graph of `files`, restricted to imports between them. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const inside = new Set(files);
  return new Map(files.map((f) => [f, imports(f).filter((i) => inside.has(i))]));
}

/** Every import circle of a graph, each once, as `a → b → … → a` (a depth-first search). */
function importCircles(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const circles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') {
        // Rotated to start at its smallest name, so a circle reached from two places is listed once.
        const loop = stack.slice(stack.indexOf(next));
        const first = loop.indexOf([...loop].sort()[0]);
        const rotated = [...loop.slice(first), ...loop.slice(0, first)];
        circles.add([...rotated, rotated[0]].join(' → '));
      } else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file);
  return [...circles].sort();
}

describe('import circles', () => {
  it('the data plane has no import circle, type-only imports included', () => {
    assert.deepEqual(importCircles(importGraph(sources('dataplane/src'))), []);
  });

  it('the check finds a circle, however long, and lists it once', () => {
    const graph = new Map([
      ['c.ts', ['a.ts']],
      ['a.ts', ['b.ts', 'd.ts']],
      ['b.ts', ['c.ts']],
      ['d.ts', []],
    ]);
    assert.deepEqual(importCircles(graph), ['a.ts → b.ts → c.ts → a.ts']);
    assert.ok(importGraph(sources('dataplane/src')).get('dataplane/src/proxy/handler.ts')!.length > 5);
  });
});
