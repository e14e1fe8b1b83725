// The house rules on imports, checked on every file: controller → dataplane/table only, the data
// plane never imports the controller or Kubernetes, and translation does no I/O.
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

  it('the check sees real imports (it would notice a violation)', () => {
    assert.ok(imports('controller/src/supervisor/supervisor.ts').includes('dataplane/src/table/messages.ts'));
    assert.ok(sources('dataplane/src').length > 20);
  });
});
