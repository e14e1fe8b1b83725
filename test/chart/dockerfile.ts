// Reading a Dockerfile and a .dockerignore the way the builder does, well enough to check their
// structure without a Docker engine; and the local import graph of the program the image runs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface Instruction {
  keyword: string;
  /** The arguments as written, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === undefined && (line === '' || line.startsWith('#'))) return;
    if (pending !== undefined && line.startsWith('#')) return;
    const body = line.endsWith('\\') ? line.slice(0, -1).trim() : line;
    pending =
      pending === undefined
        ? { text: body, line: i + 1 }
        : { text: `${pending.text} ${body}`, line: pending.line };
    if (!line.endsWith('\\')) {
      const m = /^(\S+)\s*(.*)$/s.exec(pending.text);
      if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: pending.line });
      pending = undefined;
    }
  });
  return out;
}

/** Build stages, with ARGs declared before the first FROM substituted into each FROM. */
export function stagesOf(instructions: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const from = m[1].replace(/\$\{?(\w+)\}?/g, (_, name: string) => globalArgs.get(name) ?? '');
      stages.push({ from, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name, value = ''] = ins.args.split('=', 2);
        globalArgs.set(name.trim(), value.trim());
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** The exec-form array of ENTRYPOINT/CMD, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      // `**/` matches any number of directories, including none.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether .dockerignore keeps `path` (relative, forward slashes) out of the build context. As
 * Docker does: patterns in order, the last one that matches the path or one of its parent
 * directories wins, `!` re-includes.
 */
export function isIgnored(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({
      exclude: !l.startsWith('!'),
      re: globToRegExp(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')),
    }));
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) ignored = rule.exclude;
  }
  return ignored;
}

export interface ImportGraph {
  /** Local files reached, relative to the root directory. */
  files: string[];
  /** Bare package names imported (node: builtins left out). */
  packages: string[];
}

const importPattern =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.{1,2}\/[^'"]+\.ts)['"],\s*import\.meta\.url\s*\)/g;

/**
 * Files and packages a program loads, following static and dynamic imports and the
 * `new URL('./x.ts', import.meta.url)` form used to name forked scripts. Type-only imports are
 * erased at run time and left out.
 */
export function importGraph(rootDir: string, entries: string[]): ImportGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => resolve(rootDir, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    const rel = relative(rootDir, file);
    if (files.has(rel)) continue;
    files.add(rel);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(importPattern)) {
      if (/^\s*(?:;\s*)?(?:import|export)\s+type\s/.test(m[0])) continue;
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const target = join(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${rel} imports ${spec}, which does not exist`);
        queue.push(target);
      } else if (!spec.startsWith('node:')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
