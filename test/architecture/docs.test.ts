// The repository carries its own design: docs/architecture.md. Nothing may cite a design document a
// clone does not contain, every relative link of the architecture page must lead somewhere, and a
// `docs/architecture.md § <Section>` cited in code must name a section the page has.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ARCHITECTURE = 'docs/architecture.md';

/** Dependencies, git's own files and what .gitignore keeps out (build and test output). */
const SKIPPED = new Set(['node_modules', '.git', '.tmp', 'bench/results', 'e2e/cluster/bin']);

function repositoryFiles(dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (SKIPPED.has(entry.name) || SKIPPED.has(path)) return [];
    if (entry.isDirectory()) return repositoryFiles(path);
    return entry.isFile() ? [path] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function headingAnchors(markdown: string): { titles: string[]; anchors: Set<string> } {
  const titles: string[] = [];
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const title = heading[1];
    titles.push(title);
    const slug = title
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return { titles, anchors };
}

/** Relative link targets of a Markdown text: `[text](target)`, without URLs with a scheme. */
function relativeLinks(markdown: string): string[] {
  const links = [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
  return links.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Section titles cited as `docs/architecture.md § <Title>` (one line, up to punctuation). */
function citedSections(text: string): string[] {
  return [...text.matchAll(/architecture\.md § ([A-Z][^.;,()\n`*]*)/g)].map((m) => m[1].trim());
}

describe('the architecture document', () => {
  const page = readFileSync(join(root, ARCHITECTURE), 'utf8');
  const { titles, anchors } = headingAnchors(page);
  const files = repositoryFiles();

  it('no file cites a design document a clone does not have', () => {
    const name = ['DESIGN', 'md'].join('.');
    const citing = files.filter((f) => readFileSync(join(root, f), 'utf8').includes(name));
    assert.deepEqual(citing, []);
  });

  it('every relative link of the page leads to a file or folder of the repository', () => {
    const broken = relativeLinks(page).flatMap((link) => {
      const [path, fragment] = link.split('#');
      const target = path === '' ? join(root, ARCHITECTURE) : resolve(root, dirname(ARCHITECTURE), path);
      if (!existsSync(target)) return [`${link}: no such file`];
      if (fragment === undefined || !target.endsWith('.md')) return [];
      const there = path === '' ? anchors : headingAnchors(readFileSync(target, 'utf8')).anchors;
      return there.has(fragment) ? [] : [`${link}: no heading with that anchor`];
    });
    assert.deepEqual(broken, []);
  });

  it('every section of the page cited in the repository exists', () => {
    const wrong = files.flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return citedSections(text)
        .filter((cited) => !titles.some((title) => cited.startsWith(title)))
        .map((cited) => `${f}: § ${cited}`);
    });
    assert.deepEqual(wrong, []);
  });

  it('the checks see what they check (they would notice a violation)', () => {
    assert.ok(files.includes('controller/src/main.ts') && files.includes(ARCHITECTURE));
    assert.ok(!files.some((f) => f.startsWith('node_modules/')));
    assert.ok(relativeLinks(page).includes('../SECURITY.md'));
    assert.ok(anchors.has('the-route-table-is-the-contract') && anchors.has('where-to-change-what'));
    assert.deepEqual(
      headingAnchors('# A `b`: c\n```\n# not a heading\n```\n# A b c').anchors,
      new Set(['a-b-c', 'a-b-c-1']),
    );
    assert.deepEqual(citedSections('(docs/architecture.md § Testing tiers). x'), ['Testing tiers']);
    assert.deepEqual(relativeLinks('[a](../x.md#y) [b](https://e.org) [c](#z)'), ['../x.md#y', '#z']);
  });
});
